{{/* Names and labels. */}}
{{- define "kycflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kycflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kycflow.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kycflow.secret" -}}
{{- required "existingSecret is required: kycflow reads its secrets only from a Secret you create" .Values.existingSecret -}}
{{- end -}}

{{/*
Environment of every kycflow container (API, workers, migrate job), inline rather than from a
ConfigMap: the pre-install hook job runs before any of the release's objects exist.
*/}}
{{- define "kycflow.env" -}}
- {name: KYC_ENVIRONMENT, value: production}
- {name: KYC_STATE_DIR, value: /var/lib/kycflow}
- {name: KYC_LOG_FORMAT, value: {{ .Values.logFormat | quote }}}
- {name: KYC_TEMPORAL_ADDRESS, value: {{ .Values.temporal.address | quote }}}
- {name: KYC_TEMPORAL_NAMESPACE, value: {{ .Values.temporal.namespace | quote }}}
{{- with .Values.temporal.uiUrl }}
- {name: KYC_TEMPORAL_UI_URL, value: {{ . | quote }}}
{{- end }}
{{- if .Values.temporal.tls }}
- {name: KYC_TEMPORAL_TLS, value: "true"}
{{- end }}
{{- if .Values.temporal.mtlsSecret }}
- {name: KYC_TEMPORAL_TLS_CERT_PATH, value: /etc/kycflow/temporal-tls/tls.crt}
- {name: KYC_TEMPORAL_TLS_KEY_PATH, value: /etc/kycflow/temporal-tls/tls.key}
{{- end }}
- {name: KYC_TASK_QUEUE, value: {{ .Values.taskQueues.kyc | quote }}}
- {name: KYC_ML_TASK_QUEUE, value: {{ .Values.taskQueues.ml | quote }}}
- {name: KYC_S3_ENDPOINT, value: {{ .Values.s3.endpoint | quote }}}
- {name: KYC_S3_BUCKET, value: {{ .Values.s3.bucket | quote }}}
- {name: KYC_S3_REGION, value: {{ .Values.s3.region | quote }}}
- {name: KYC_PUBLIC_URL, value: {{ .Values.publicUrl | quote }}}
{{- range $name, $value := .Values.extraEnv }}
- {name: {{ $name }}, value: {{ $value | toString | quote }}}
{{- end }}
{{- $secret := include "kycflow.secret" . }}
{{- range list "KYC_DATABASE_URL" "KYC_MASTER_KEY" "KYC_PAYLOAD_KEY" "KYC_OPERATOR_TOKEN" "KYC_S3_ACCESS_KEY" "KYC_S3_SECRET_KEY" }}
- name: {{ . }}
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: {{ . }}}}
{{- end }}
- name: KYC_TEMPORAL_API_KEY
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: KYC_TEMPORAL_API_KEY, optional: true}}
{{- end -}}

{{/* Writable state dir and /tmp on a read-only root filesystem; the Temporal client cert. */}}
{{- define "kycflow.volumes" -}}
- {name: state, emptyDir: {}}
- {name: tmp, emptyDir: {}}
{{- with .Values.temporal.mtlsSecret }}
- {name: temporal-tls, secret: {secretName: {{ . }}}}
{{- end }}
{{- end -}}

{{- define "kycflow.volumeMounts" -}}
- {name: state, mountPath: /var/lib/kycflow}
- {name: tmp, mountPath: /tmp}
{{- if .Values.temporal.mtlsSecret }}
- {name: temporal-tls, mountPath: /etc/kycflow/temporal-tls, readOnly: true}
{{- end }}
{{- end -}}

{{- define "kycflow.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}
