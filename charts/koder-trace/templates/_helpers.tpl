{{/* Standard labels, shared by every object the chart renders. */}}
{{- define "koder-trace.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: koder-trace
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "koder-trace.operator.serviceAccountName" -}}
{{- default (printf "%s-operator" .Release.Name) .Values.operator.serviceAccount.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
