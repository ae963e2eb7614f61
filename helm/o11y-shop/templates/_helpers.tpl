{{/*
Names are fixed per component (the services and configs address each other by these DNS
names), so one release per namespace.
*/}}

{{- define "o11y-shop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels. Call with (dict "ctx" $ "name" "order-service") */}}
{{- define "o11y-shop.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{/* Common labels. Call with (dict "ctx" $ "name" "order-service" "component" "service") */}}
{{- define "o11y-shop.labels" -}}
{{ include "o11y-shop.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: o11y-shop
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
helm.sh/chart: {{ include "o11y-shop.chart" .ctx }}
{{- end -}}

{{/* Pod template labels (no chart version, so upgrades only roll what changed) */}}
{{- define "o11y-shop.podLabels" -}}
{{ include "o11y-shop.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: o11y-shop
{{- end -}}

{{/* Image of one of our modules: <registry>/<module>:<tag>. Call with (dict "ctx" $ "module" "order-service") */}}
{{- define "o11y-shop.shopImage" -}}
{{- $img := .ctx.Values.shop.image -}}
{{- printf "%s/%s:%s" $img.registry .module (default .ctx.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* Image of a third-party component. Call with the component's image values. */}}
{{- define "o11y-shop.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}

{{/* Pod securityContext (restricted PSS). Call with the uid (int). */}}
{{- define "o11y-shop.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container securityContext (restricted PSS + read-only root filesystem). */}}
{{- define "o11y-shop.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* ServiceAccount. Call with (dict "ctx" $ "name" "order-service" "component" "service" "automount" false) */}}
{{- define "o11y-shop.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "o11y-shop.labels" . | nindent 4 }}
automountServiceAccountToken: {{ .automount | default false }}
{{- end -}}

{{/* Service type + nodePort. Call with (dict "service" .Values.x.service "port" 3000 "name" "http") */}}
{{- define "o11y-shop.uiServicePort" -}}
- name: {{ .name }}
  port: {{ .port }}
  targetPort: {{ .name }}
  protocol: TCP
  {{- if and (ne .service.type "ClusterIP") .service.nodePort }}
  nodePort: {{ .service.nodePort }}
  {{- end }}
{{- end -}}

{{/* ---- endpoints the components use to reach each other (bundled or external) ---- */}}

{{/* OTLP/HTTP base URL for the services; empty = no export */}}
{{- define "o11y-shop.otlpEndpoint" -}}
{{- if .Values.otelCollector.enabled -}}
http://otel-collector:4318
{{- else -}}
{{- .Values.otelCollector.externalEndpoint -}}
{{- end -}}
{{- end -}}

{{- define "o11y-shop.jaegerOtlpEndpoint" -}}
{{- if .Values.otelCollector.exporters.jaeger.endpoint -}}
{{- .Values.otelCollector.exporters.jaeger.endpoint -}}
{{- else if .Values.jaeger.enabled -}}
jaeger:4317
{{- end -}}
{{- end -}}

{{- define "o11y-shop.lokiOtlpEndpoint" -}}
{{- if .Values.otelCollector.exporters.loki.endpoint -}}
{{- .Values.otelCollector.exporters.loki.endpoint -}}
{{- else if .Values.loki.enabled -}}
http://loki:3100/otlp
{{- end -}}
{{- end -}}

{{- define "o11y-shop.jaegerQueryUrl" -}}
{{- if .Values.jaeger.enabled -}}
http://jaeger:16686
{{- else -}}
{{- .Values.jaeger.external.queryUrl -}}
{{- end -}}
{{- end -}}

{{- define "o11y-shop.lokiUrl" -}}
{{- if .Values.loki.enabled -}}
http://loki:3100
{{- else -}}
{{- .Values.loki.external.url -}}
{{- end -}}
{{- end -}}

{{/* The bundled Prometheus runs unless disabled or replaced by the operator's */}}
{{- define "o11y-shop.bundledPrometheus" -}}
{{- if and .Values.prometheus.enabled (not .Values.prometheusOperator.enabled) -}}true{{- end -}}
{{- end -}}

{{- define "o11y-shop.prometheusUrl" -}}
{{- if include "o11y-shop.bundledPrometheus" . -}}
http://prometheus:9090
{{- else -}}
{{- .Values.prometheus.external.url -}}
{{- end -}}
{{- end -}}

{{- define "o11y-shop.alertmanagerAddress" -}}
{{- if .Values.alertmanager.enabled -}}
alertmanager:9093
{{- else -}}
{{- .Values.alertmanager.external.address -}}
{{- end -}}
{{- end -}}

{{- define "o11y-shop.webhookUrl" -}}
{{- default "http://load-generator:9090/alerts" .Values.alertmanager.webhookUrl -}}
{{- end -}}

{{/* Environment shared by the shop services and the load generator. Call with (dict "ctx" $ "name" "order-service") */}}
{{- define "o11y-shop.telemetryEnv" -}}
{{- $v := .ctx.Values.shop -}}
{{- $otlp := include "o11y-shop.otlpEndpoint" .ctx -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_SERVICE_NAME
  value: {{ .name | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "deployment.environment={{ $v.environment }},k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)"
{{- if $otlp }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $otlp | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: http/protobuf
{{- else }}
- name: OTEL_TRACES_EXPORTER
  value: none
{{- end }}
- name: OTEL_TRACES_SAMPLER
  value: parentbased_traceidratio
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $v.samplingRatio | quote }}
- name: LOG_FORMAT
  value: {{ $v.logFormat | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- end -}}

{{/* User-supplied env map → env list (sorted, values quoted) */}}
{{- define "o11y-shop.extraEnv" -}}
{{- range $k, $val := . }}
- name: {{ $k }}
  value: {{ $val | toString | quote }}
{{- end }}
{{- end -}}

{{/* The admin-port probes of our JVM services */}}
{{- define "o11y-shop.adminProbes" -}}
startupProbe:
  httpGet:
    path: /health/live
    port: admin
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /health/live
    port: admin
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /health/ready
    port: admin
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* checksum annotation so a config change rolls the pods */}}
{{- define "o11y-shop.checksum" -}}
{{- . | sha256sum -}}
{{- end -}}

{{/* NetworkPolicyPeer of one component of this release. Call with (dict "name" "grafana" "rel" .Release.Name) */}}
{{- define "o11y-shop.peer" -}}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ .name }}
      app.kubernetes.io/instance: {{ .rel }}
{{- end -}}
