{{/*
The chart's Prometheus rule files (files/prometheus/rules/*.yaml), each rendered with tpl so that SLO targets and
thresholds come from .Values.alerting: a YAML mapping of file name to rendered text. The bundled Prometheus mounts
them (ConfigMap prometheus-rules, templates/prometheus.yaml) and the operator gets the same groups in one
PrometheusRule (templates/prometheus-operator.yaml). Call with the root context; use with fromYaml.
*/}}
{{- define "o11y-shop.prometheusRules" -}}
{{- range $path, $_ := .Files.Glob "files/prometheus/rules/*.yaml" }}
{{ base $path }}: {{ tpl ($.Files.Get $path) $ | toJson }}
{{- end }}
{{- end -}}
