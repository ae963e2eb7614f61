{{/*
ServiceAccount + Deployment + Service of one Helidon shop service.
Call with (dict "ctx" $ "name" "order-service" "values" .Values.orderService "env" "<yaml env list>").
*/}}
{{- define "o11y-shop.shopService" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- $shop := $ctx.Values.shop -}}
{{- $labels := dict "ctx" $ctx "name" .name "component" "service" -}}
{{- $svc := $v.service | default (dict "type" "ClusterIP") -}}
{{- /* SIGTERM → not ready for the delay → in-flight requests → exit; plus a margin */ -}}
{{- $grace := add (div (add $shop.shutdownDelayMs $shop.shutdownTimeoutMs 999) 1000) 5 -}}
{{ include "o11y-shop.serviceAccount" $labels }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "o11y-shop.labels" $labels | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "o11y-shop.selectorLabels" $labels | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "o11y-shop.podLabels" $labels | nindent 8 }}
    spec:
      serviceAccountName: {{ .name }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $grace }}
      {{- with $shop.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "o11y-shop.podSecurityContext" 65532 | nindent 8 }}
      containers:
        - name: {{ .name }}
          image: {{ include "o11y-shop.shopImage" (dict "ctx" $ctx "module" .name) | quote }}
          imagePullPolicy: {{ $shop.image.pullPolicy }}
          securityContext:
            {{- include "o11y-shop.containerSecurityContext" . | nindent 12 }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: admin
              containerPort: 9090
              protocol: TCP
          env:
            - name: PORT
              value: "8080"
            - name: ADMIN_PORT
              value: "9090"
            {{- include "o11y-shop.telemetryEnv" (dict "ctx" $ctx "name" .name) | nindent 12 }}
            - name: SHUTDOWN_DELAY_MS
              value: {{ $shop.shutdownDelayMs | quote }}
            - name: SHUTDOWN_TIMEOUT_MS
              value: {{ $shop.shutdownTimeoutMs | quote }}
            {{- with .env }}
            {{- . | trim | nindent 12 }}
            {{- end }}
            {{- with $v.env }}
            {{- include "o11y-shop.extraEnv" . | trim | nindent 12 }}
            {{- end }}
          {{- include "o11y-shop.adminProbes" . | nindent 10 }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        # the JVM writes hsperfdata and temp files; the root filesystem is read-only
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "o11y-shop.labels" $labels | nindent 4 }}
spec:
  type: {{ $svc.type }}
  selector:
    {{- include "o11y-shop.selectorLabels" $labels | nindent 4 }}
  ports:
    {{- include "o11y-shop.uiServicePort" (dict "service" $svc "port" 8080 "name" "http") | nindent 4 }}
    - name: admin
      port: 9090
      targetPort: admin
      protocol: TCP
{{- end -}}
