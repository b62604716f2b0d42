{{/* Standard labels, shared by every object the chart renders. */}}
{{- define "koder-trace.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: koder-trace
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels for one component: pass (dict "ctx" . "component" "ingester"). */}}
{{- define "koder-trace.selector" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "koder-trace.name" -}}
{{- printf "%s-%s" .ctx.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "koder-trace.image" -}}
{{- printf "%s:%s" .repository (default .ctx.Chart.AppVersion .ctx.Values.image.tag) -}}
{{- end -}}

{{- define "koder-trace.operator.serviceAccountName" -}}
{{- default (printf "%s-operator" .Release.Name) .Values.operator.serviceAccount.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The ConfigMap the operator writes and ingesters and the query service mount. */}}
{{- define "koder-trace.configMapName" -}}
{{- printf "%s-ingester-config" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Hardened defaults for every container: non-root, read-only root filesystem, no privileges. */}}
{{- define "koder-trace.containerSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Where ingesters write and the query service reads: the managed Tempo, or the external one. */}}
{{- define "koder-trace.tempo.distributor" -}}
{{- if .Values.tempo.managed -}}
{{- printf "%s-tempo.%s.svc:4317" .Release.Name .Release.Namespace -}}
{{- else -}}
{{- required "tempo.distributor is required when tempo.managed is false" .Values.tempo.distributor -}}
{{- end -}}
{{- end -}}

{{- define "koder-trace.tempo.queryUrl" -}}
{{- if .Values.tempo.managed -}}
{{- printf "http://%s-tempo.%s.svc:3200" .Release.Name .Release.Namespace -}}
{{- else -}}
{{- required "tempo.queryUrl is required when tempo.managed is false" .Values.tempo.queryUrl -}}
{{- end -}}
{{- end -}}

{{/*
The query service's flags of either store: end-user attributes, and the authenticating proxy whose
identity header it believes (refused without the proxies to believe it from: fail closed).
*/}}
{{- define "koder-trace.query.sharedArgs" -}}
{{- range .Values.query.userAttributes }}
- --user-attribute={{ . }}
{{- end }}
{{- with .Values.query.identity }}
{{- if .header }}
{{- if not .trustedProxies }}
{{- fail "query.identity.header needs query.identity.trustedProxies: the addresses the authenticating proxy's requests come from (without them anyone could set the header)" }}
{{- end }}
- --identity-header={{ .header }}
{{- with .groupsHeader }}
- --groups-header={{ . }}
{{- end }}
{{- range .trustedProxies }}
- --trusted-proxy={{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
