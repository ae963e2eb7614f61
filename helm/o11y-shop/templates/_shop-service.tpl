{{/*
ServiceAccount + Deployment + Services (API, admin) of one Helidon shop service.
Call with (dict "ctx" $ "name" "order-service" "values" .Values.orderService "env" "<yaml env list>").
*/}}
{{- define "o11y-shop.shopService" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- $shop := $ctx.Values.shop -}}
{{- $labels := dict "ctx" $ctx "name" .name "component" "service" -}}
{{- $svc := $v.service | default (dict "type" "ClusterIP") -}}
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
      {{- with include "o11y-shop.adminTokenChecksum" $ctx }}
      annotations:
        checksum/admin-token: {{ . }}
      {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ include "o11y-shop.shutdownGraceSeconds" $shop }}
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
            - name: MAX_CONCURRENT_REQUESTS
              value: {{ $v.maxConcurrentRequests | int | quote }}
            {{- include "o11y-shop.adminTokenEnv" $ctx | nindent 12 }}
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
# The API only. It takes the component's service.type (a NodePort on kind), so the admin port is never in it:
# that has its own ClusterIP Service, <name>-admin (o11y-shop.adminService).
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
---
{{ include "o11y-shop.adminService" $labels }}
{{- end -}}
