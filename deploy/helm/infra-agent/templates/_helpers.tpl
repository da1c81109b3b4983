{{/* The release's base name: <release>-infra-agent, or the release name when it already says infra-agent. */}}
{{- define "infra-agent.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries besides its selector labels. */}}
{{- define "infra-agent.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The labels of an object of the whole release (ConfigMap, NetworkPolicy). */}}
{{- define "infra-agent.labels" -}}
{{ include "infra-agent.commonLabels" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "bot"|"worker" "worker" NAME). */}}
{{- define "infra-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .worker }}
infra-agent.io/worker: {{ .worker }}
{{- end }}
{{- end -}}

{{- define "infra-agent.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (required "image.tag or image.digest is required" .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The store kind the config names: `store: postgres` or `store: {kind: postgres}`; file when absent. */}}
{{- define "infra-agent.storeKind" -}}
{{- $s := .Values.config.store | default "file" -}}
{{- if kindIs "map" $s }}{{ $s.kind | default "file" }}{{ else }}{{ $s }}{{ end -}}
{{- end -}}

{{/*
One Deployment: (dict "root" $ "component" "bot"|"worker" "name" NAME "spec" VALUES). VALUES has replicas, resources,
and optionally serves (workers: INFRA_AGENT_WORKER_SERVES), roleArn, env, existingSecret, nodeSelector, tolerations, affinity.
*/}}
{{- define "infra-agent.deployment" -}}
{{- $root := .root -}}
{{- $spec := .spec -}}
{{- $replicas := int (ternary 1 $spec.replicas (kindIs "invalid" $spec.replicas)) -}}
{{- if and (gt $replicas 1) (ne (include "infra-agent.storeKind" $root) "postgres") -}}
{{- fail (printf "%s %s: %d replicas share state only through PostgreSQL; set config.store: postgres (and INFRA_AGENT_DATABASE_URL in the Secret), or replicas: 1" .component .name $replicas) -}}
{{- end -}}
{{- $selector := dict "root" $root "component" .component "worker" ($spec.name | default "") -}}
{{- $secret := $spec.existingSecret | default $root.Values.existingSecret -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "infra-agent.commonLabels" $root | nindent 4 }}
    {{- include "infra-agent.selectorLabels" $selector | nindent 4 }}
spec:
  replicas: {{ $replicas }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  selector:
    matchLabels:
      {{- include "infra-agent.selectorLabels" $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "infra-agent.commonLabels" $root | nindent 8 }}
        {{- include "infra-agent.selectorLabels" $selector | nindent 8 }}
      annotations:
        # A changed config rolls the pods (the product reads it once, at start).
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
      # No *_SERVICE_HOST/*_PORT variables from the namespace's Services in the product's environment.
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "infra-agent.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ .component | quote }}]
          ports:
            - name: health
              containerPort: {{ $root.Values.health.port }}
              protocol: TCP
          env:
            - name: INFRA_AGENT_CONFIG
              value: /etc/infra-agent/config.yaml
            - name: INFRA_AGENT_HEALTH_PORT
              value: {{ $root.Values.health.port | quote }}
            {{- if eq .component "worker" }}
            # What this worker serves: its environments' task queues (config environments.<env>.taskQueue) and/or
            # the general queue (docs/delivery.md, "Accounts").
            - name: INFRA_AGENT_WORKER_SERVES
              value: {{ required (printf "%s %s: serves is required (e.g. prd, or dev,tst,general)" .component .name) $spec.serves | quote }}
            {{- end }}
            {{- range $k, $v := merge (dict) ($spec.env | default dict) $root.Values.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          envFrom:
            - secretRef:
                name: {{ required "existingSecret: name the Secret holding the tokens and keys" $secret }}
          livenessProbe:
            httpGet: { path: {{ $root.Values.health.livenessPath }}, port: health }
            {{- toYaml $root.Values.health.liveness | nindent 12 }}
          readinessProbe:
            httpGet: { path: {{ $root.Values.health.readinessPath }}, port: health }
            {{- toYaml $root.Values.health.readiness | nindent 12 }}
          resources:
            {{- toYaml $spec.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - { name: config, mountPath: /etc/infra-agent, readOnly: true }
            - { name: tmp, mountPath: /tmp }
            - { name: state, mountPath: /var/lib/infra-agent }
      volumes:
        - name: config
          configMap:
            name: {{ include "infra-agent.fullname" $root }}-config
        # The root filesystem is read-only: /tmp and the tools' caches (helm, trivy) are emptyDirs.
        - name: tmp
          emptyDir: { sizeLimit: 1Gi }
        - name: state
          emptyDir: { sizeLimit: 2Gi }
      {{- with ($spec.nodeSelector | default $root.Values.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($spec.tolerations | default $root.Values.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $root.Values.spreadAcrossNodes }}
      # Replicas on different nodes (and zones) when the scheduler can: a node drain or loss keeps one serving.
      topologySpreadConstraints:
        {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
        - maxSkew: 1
          topologyKey: {{ $key }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "infra-agent.selectorLabels" $selector | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with ($spec.affinity | default $root.Values.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* The components to render: a list of (dict "component" "name" "spec"). */}}
{{- define "infra-agent.components" -}}
{{- $out := list -}}
{{- $base := include "infra-agent.fullname" . -}}
{{- if .Values.bot.enabled -}}
{{- $out = append $out (dict "component" "bot" "name" (printf "%s-bot" $base) "spec" .Values.bot) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.workers -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$" (toString .name)) -}}
{{- fail (printf "workers[].name '%v': lower-case letters, digits and -, at most 22 characters" .name) -}}
{{- end -}}
{{- if hasKey $seen .name -}}
{{- fail (printf "workers[].name '%s' appears twice; each worker needs its own name" .name) -}}
{{- end -}}
{{- $_ := set $seen .name true -}}
{{- $spec := mergeOverwrite (deepCopy $.Values.workerDefaults) (deepCopy .) -}}
{{- $out = append $out (dict "component" "worker" "name" (printf "%s-worker-%s" $base .name) "spec" $spec) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
