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

{{/*
Seconds between SIGTERM and SIGKILL for a shop service: the worst case of its graceful shutdown (ShopServer), rounded
up, plus a margin. In order: not ready for shutdownDelayMs (Services stop routing to it); then it waits until nothing
has been in flight for a quiet period (about 1 s), at most shutdownTimeoutMs; then the server stops (Helidon gives a request still running up to 4 s per executor) and
queued spans are flushed (at most 5 s). The margin covers the server stop, the JVM's exit and a busy node. There is no preStop
hook: the service turns not-ready itself on SIGTERM, so nothing else counts against the period. chart-tests'
ShopServiceSettingsTest holds this above delay + quiet + timeout + stop grace + flush + 5 s for every profile.
Call with .Values.shop.
*/}}
{{- define "o11y-shop.shutdownGraceSeconds" -}}
{{- $quietMs := 1000 -}}
{{- /* Helidon's stop waits up to 4 s for each of its two executors (ShopServer.ServerSettings.stopGrace) */ -}}
{{- $stopGraceMs := 8000 -}}
{{- $flushMs := 5000 -}}
{{- $marginSeconds := 5 -}}
{{- add (div (add .shutdownDelayMs $quietMs .shutdownTimeoutMs $stopGraceMs $flushMs 999) 1000) $marginSeconds -}}
{{- end -}}

{{/*
The admin socket (metrics, health, faults) of a component as its own ClusterIP Service, <name>-admin, on 9090.
Never a NodePort or LoadBalancer, whatever the component's service.type: PUT /faults must not be reachable from
outside the cluster. Prometheus (bundled or the operator's PodMonitor) scrapes the pods directly, so this Service is
for people and tools inside the cluster (`lg fault <service> --admin-url http://<service>-admin:9090`, port-forward).
Call with (dict "ctx" $ "name" "order-service" "component" "service").
*/}}
{{- define "o11y-shop.adminService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}-admin
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "o11y-shop.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "o11y-shop.selectorLabels" . | nindent 4 }}
  ports:
    - name: admin
      port: 9090
      targetPort: admin
      protocol: TCP
{{- end -}}

{{/* ---- the admin token (ADMIN_TOKEN: PUT/DELETE /faults need "Authorization: Bearer <token>") ---- */}}

{{/* Name of the Secret with the admin token: the user's (shop.adminToken.existingSecret) or the chart's */}}
{{- define "o11y-shop.adminTokenSecret" -}}
{{- default "o11y-shop-admin-token" .Values.shop.adminToken.existingSecret -}}
{{- end -}}

{{/* Its key: shop.adminToken.existingSecretKey in the user's Secret, "token" in the chart's */}}
{{- define "o11y-shop.adminTokenKey" -}}
{{- if .Values.shop.adminToken.existingSecret -}}
{{- .Values.shop.adminToken.existingSecretKey -}}
{{- else -}}
token
{{- end -}}
{{- end -}}

{{/*
The token the chart's Secret holds: on upgrade the one already in the cluster, so that it survives upgrades; else a
new one (randAlphaNum uses crypto/rand: 32 characters of [A-Za-z0-9], about 190 bits).
lookup only on upgrade, as for grafana-admin: a first install has nothing to find, and offline renderers (helm
template, helm-java) would otherwise try to reach a cluster. Renderers that never see the cluster (helm template in a
GitOps pipeline) would make a new token on every render: point shop.adminToken.existingSecret at a Secret there.
*/}}
{{- define "o11y-shop.generatedAdminToken" -}}
{{- $existing := dict -}}
{{- if .Release.IsUpgrade -}}
{{- $existing = lookup "v1" "Secret" .Release.Namespace "o11y-shop-admin-token" | default dict -}}
{{- end -}}
{{- $token := index ($existing.data | default dict) "token" | default "" -}}
{{- if $token -}}
{{- $token | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{/*
Pod annotation value that changes exactly when the chart's token does (e.g. its Secret was deleted and the release
upgraded): every pod that reads ADMIN_TOKEN then restarts with the new one, so the load generator's `fault` and the
services keep agreeing. An unchanged token renders the same checksum, so upgrades do not roll pods for it. (A token
made anew here on each render differs from the Secret's, which is made anew too: the pods roll, as they must.)
Empty with shop.adminToken.existingSecret: the chart cannot see that Secret; restart the Deployments after changing it.
*/}}
{{- define "o11y-shop.adminTokenChecksum" -}}
{{- if not .Values.shop.adminToken.existingSecret -}}
{{- include "o11y-shop.generatedAdminToken" . | sha256sum -}}
{{- end -}}
{{- end -}}

{{/* The ADMIN_TOKEN env entry of a container that serves or flips /faults. Call with $. */}}
{{- define "o11y-shop.adminTokenEnv" -}}
- name: ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "o11y-shop.adminTokenSecret" . }}
      key: {{ include "o11y-shop.adminTokenKey" . }}
{{- end -}}
