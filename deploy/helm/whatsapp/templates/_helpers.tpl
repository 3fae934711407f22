{{/*
Names. Every object is "<fullname>-<component>", e.g. whatsapp-auth-service, whatsapp-postgres.
*/}}
{{- define "whatsapp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "whatsapp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* (dict "root" $ "component" "auth-service") → whatsapp-auth-service */}}
{{- define "whatsapp.componentName" -}}
{{- printf "%s-%s" (include "whatsapp.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "whatsapp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "whatsapp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "whatsapp.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* (dict "root" $ "repository" "whatsapp-auth-service") → [registry/]whatsapp-auth-service:tag */}}
{{- define "whatsapp.image" -}}
{{- with .root.Values.image.registry }}{{ trimSuffix "/" . }}/{{ end }}{{ .repository }}:{{ include "whatsapp.imageTag" .root }}
{{- end }}

{{/*
Labels. Selectors use name, instance and component; "the release's pods" (NetworkPolicy) are
name + instance.
*/}}
{{- define "whatsapp.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "whatsapp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* (dict "root" $ "component" …) */}}
{{- define "whatsapp.selectorLabels" -}}
{{ include "whatsapp.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* (dict "root" $ "component" …) */}}
{{- define "whatsapp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "whatsapp.selectorLabels" . }}
app.kubernetes.io/part-of: whatsapp
app.kubernetes.io/version: {{ include "whatsapp.imageTag" .root | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Standard metadata of one component's object: (dict "root" $ "component" …). */}}
{{- define "whatsapp.metadata" -}}
name: {{ include "whatsapp.componentName" . }}
labels:
  {{- include "whatsapp.labels" . | nindent 2 }}
{{- end }}

{{/*
The services with serviceDefaults applied, as YAML (templates read it with fromYaml). A key a
service sets replaces the default; a map section (resources, autoscaling, probes) is merged one
level down. Plain `set` rather than Sprig's merge, which would let a default `true` override a
service's `false`.
*/}}
{{- define "whatsapp.services" -}}
{{- $out := dict }}
{{- range $name, $svc := .Values.services }}
{{- $merged := deepCopy $.Values.serviceDefaults }}
{{- range $key, $value := ($svc | default dict) }}
{{- $default := index $merged $key }}
{{- if and (kindIs "map" $value) (kindIs "map" $default) }}
{{- range $k, $v := $value }}{{- $_ := set $default $k $v }}{{- end }}
{{- else }}
{{- $_ := set $merged $key $value }}
{{- end }}
{{- end }}
{{- if $merged.enabled }}{{- $_ := set $out $name $merged }}{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/* "auth-service" → "AUTH" (the prefix of AUTH_GRPC_ADDR, AUTH_SERVICE_URL). */}}
{{- define "whatsapp.envPrefix" -}}
{{- trimSuffix "-service" . | upper | replace "-" "_" }}
{{- end }}

{{/*
Connection URLs of the stores: in-chart when <store>.enabled, else <store>.external.url.
*/}}
{{- define "whatsapp.url.postgres" -}}
{{- $p := .Values.postgres }}
{{- if $p.enabled }}
{{- printf "postgres://%s:%s@%s:5432/%s?sslmode=disable" $p.auth.username (urlquery $p.auth.password) (include "whatsapp.componentName" (dict "root" . "component" "postgres")) $p.auth.database }}
{{- else }}
{{- required "postgres.external.url is required when postgres.enabled is false" $p.external.url }}
{{- end }}
{{- end }}

{{- define "whatsapp.url.mongodb" -}}
{{- if .Values.mongodb.enabled }}
{{- printf "mongodb://%s:27017/%s" (include "whatsapp.componentName" (dict "root" . "component" "mongodb")) .Values.mongodb.database }}
{{- else }}
{{- required "mongodb.external.url is required when mongodb.enabled is false" .Values.mongodb.external.url }}
{{- end }}
{{- end }}

{{- define "whatsapp.url.redis" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s:6379" (include "whatsapp.componentName" (dict "root" . "component" "redis")) }}
{{- else }}
{{- required "redis.external.url is required when redis.enabled is false" .Values.redis.external.url }}
{{- end }}
{{- end }}

{{- define "whatsapp.url.nats" -}}
{{- if .Values.nats.enabled }}
{{- printf "nats://%s:4222" (include "whatsapp.componentName" (dict "root" . "component" "nats")) }}
{{- else }}
{{- required "nats.external.url is required when nats.enabled is false" .Values.nats.external.url }}
{{- end }}
{{- end }}

{{- define "whatsapp.url.recordStore" -}}
{{- if eq .Values.recordStore "mongodb" }}{{ include "whatsapp.url.mongodb" . }}
{{- else if eq .Values.recordStore "postgres" }}{{ include "whatsapp.url.postgres" . }}
{{- else }}{{ fail "recordStore must be mongodb or postgres" }}
{{- end }}
{{- end }}

{{- define "whatsapp.s3.endpoint" -}}
{{- if .Values.minio.enabled }}
{{- printf "http://%s:9000" (include "whatsapp.componentName" (dict "root" . "component" "minio")) }}
{{- else }}
{{- required "minio.external.endpoint is required when minio.enabled is false" .Values.minio.external.endpoint }}
{{- end }}
{{- end }}

{{/* True (non-empty) when the migrations need an in-chart store that a pre-install hook would not find. */}}
{{- define "whatsapp.inChartMigrationStores" -}}
{{- if or .Values.postgres.enabled .Values.mongodb.enabled .Values.nats.enabled }}true{{ end }}
{{- end }}

{{/*
JWT_SECRET: jwt.secret, else the one already in the auth-service's Secret (upgrades), else a new
random one. (dict "root" $ "secretName" …)
*/}}
{{- define "whatsapp.jwtSecret" -}}
{{- if .root.Values.jwt.secret }}
{{- .root.Values.jwt.secret }}
{{- else }}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secretName }}
{{- $data := dig "data" (dict) ($existing | default dict) }}
{{- if hasKey $data "JWT_SECRET" }}
{{- index $data "JWT_SECRET" | b64dec }}
{{- else }}
{{- randAlphaNum 48 }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Non-secret environment of one service (its ConfigMap), as YAML. (dict "root" $ "name" … "svc" …)
*/}}
{{- define "whatsapp.service.configEnv" -}}
{{- $root := .root }}
{{- $svc := .svc }}
{{- $services := include "whatsapp.services" $root | fromYaml }}
{{- $env := deepCopy ($root.Values.env | default dict) }}
{{- $_ := set $env "HTTP_PORT" (toString $svc.httpPort) }}
{{- with $svc.grpcPort }}{{ $_ := set $env "GRPC_PORT" (toString .) }}{{ end }}
{{- $_ := set $env "OTEL_SERVICE_NAME" .name }}
{{- with $root.Values.otel.endpoint }}{{ $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end }}
{{- range $target := ($svc.grpcClients | default list) }}
{{- $peer := index $services $target | default dict }}
{{- if not $peer.grpcPort }}{{ fail (printf "%s calls %s over gRPC, which is not an enabled service with a grpcPort" $.name $target) }}{{ end }}
{{- $_ := set $env (printf "%s_GRPC_ADDR" (include "whatsapp.envPrefix" $target)) (printf "%s:%v" (include "whatsapp.componentName" (dict "root" $root "component" $target)) $peer.grpcPort) }}
{{- end }}
{{- range $target := ($svc.upstreams | default list) }}
{{- $peer := index $services $target | default dict }}
{{- if not $peer.httpPort }}{{ fail (printf "%s proxies to %s, which is not an enabled service" $.name $target) }}{{ end }}
{{- $_ := set $env (printf "%s_SERVICE_URL" (include "whatsapp.envPrefix" $target)) (printf "http://%s:%v" (include "whatsapp.componentName" (dict "root" $root "component" $target)) $peer.httpPort) }}
{{- end }}
{{- $needs := $svc.needs | default list }}
{{- if has "s3" $needs }}
{{- $endpoint := include "whatsapp.s3.endpoint" $root }}
{{- $_ := set $env "S3_ENDPOINT" $endpoint }}
{{- $_ := set $env "S3_PUBLIC_URL" (default $endpoint $root.Values.minio.publicUrl) }}
{{- $_ := set $env "S3_REGION" $root.Values.minio.region }}
{{- $_ := set $env "S3_BUCKET" $root.Values.minio.bucket }}
{{- end }}
{{- if has "fcm" $needs }}
{{- $_ := set $env "FCM_CREDENTIALS_PATH" "/var/run/fcm/service-account.json" }}
{{- $_ := set $env "FCM_BASE_URL" (include "whatsapp.fcm.baseUrl" $root) }}
{{- end }}
{{- range $key, $value := ($svc.env | default dict) }}{{ $_ := set $env $key $value }}{{ end }}
{{- toYaml $env }}
{{- end }}

{{/*
Credentials of one service (its Secret), as YAML. (dict "root" $ "name" … "svc" …)
*/}}
{{- define "whatsapp.service.secretEnv" -}}
{{- $root := .root }}
{{- $svc := .svc }}
{{- $needs := $svc.needs | default list }}
{{- $env := dict }}
{{- if has "postgres" $needs }}{{ $_ := set $env "DATABASE_URL" (include "whatsapp.url.postgres" $root) }}{{ end }}
{{- if has "redis" $needs }}{{ $_ := set $env "REDIS_URL" (include "whatsapp.url.redis" $root) }}{{ end }}
{{- if has "nats" $needs }}{{ $_ := set $env "NATS_URL" (include "whatsapp.url.nats" $root) }}{{ end }}
{{- if has "recordStore" $needs }}
{{- $_ := set $env (required (printf "services.%s.recordStoreEnv is required with needs: recordStore" .name) $svc.recordStoreEnv) (include "whatsapp.url.recordStore" $root) }}
{{- end }}
{{- if has "s3" $needs }}
{{- $m := $root.Values.minio }}
{{- if $m.enabled }}
{{- $_ := set $env "S3_ACCESS_KEY" $m.rootUser }}
{{- $_ := set $env "S3_SECRET_KEY" $m.rootPassword }}
{{- else }}
{{- $_ := set $env "S3_ACCESS_KEY" (required "minio.external.accessKey is required when minio.enabled is false" $m.external.accessKey) }}
{{- $_ := set $env "S3_SECRET_KEY" (required "minio.external.secretKey is required when minio.enabled is false" $m.external.secretKey) }}
{{- end }}
{{- end }}
{{- if and (has "jwt" $needs) (not $root.Values.jwt.existingSecret) }}
{{- $_ := set $env "JWT_SECRET" (include "whatsapp.jwtSecret" (dict "root" $root "secretName" (include "whatsapp.componentName" (dict "root" $root "component" .name)))) }}
{{- end }}
{{- toYaml $env }}
{{- end }}

{{/* A map rendered as Secret `data` (base64) or ConfigMap `data` (strings), sorted. */}}
{{- define "whatsapp.secretData" -}}
{{- range $key, $value := . }}
{{ $key }}: {{ toString $value | b64enc | quote }}
{{- end }}
{{- end }}

{{- define "whatsapp.configData" -}}
{{- range $key, $value := . }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}

{{/* FCM: where the service account comes from, and where the notification-service posts. */}}
{{- define "whatsapp.fcm.secretName" -}}
{{- if .Values.fcm.existingSecret }}{{ .Values.fcm.existingSecret }}
{{- else }}{{ include "whatsapp.componentName" (dict "root" . "component" "fcm") }}
{{- end }}
{{- end }}

{{- define "whatsapp.fcm.secretKey" -}}
{{- if .Values.fcm.existingSecret }}{{ .Values.fcm.existingSecretKey }}{{ else }}service-account.json{{ end }}
{{- end }}

{{- define "whatsapp.fcm.emulatorUrl" -}}
{{- printf "http://%s:%v" (include "whatsapp.componentName" (dict "root" . "component" "fcm-emulator")) .Values.fcm.emulator.port }}
{{- end }}

{{- define "whatsapp.fcm.baseUrl" -}}
{{- if .Values.fcm.emulator.enabled }}{{ include "whatsapp.fcm.emulatorUrl" . }}{{ else }}{{ .Values.fcm.baseUrl }}{{ end }}
{{- end }}

{{/* The FCM Secret volume: (dict "root" $) */}}
{{- define "whatsapp.fcm.volume" -}}
- name: fcm
  secret:
    secretName: {{ include "whatsapp.fcm.secretName" .root }}
    defaultMode: 0440
    items:
      - key: {{ include "whatsapp.fcm.secretKey" .root }}
        path: service-account.json
{{- end }}

{{/*
Pod-level settings shared by every pod of the chart's own images: (dict "root" $ "component" …).
*/}}
{{- define "whatsapp.podCommon" -}}
serviceAccountName: {{ include "whatsapp.serviceAccountName" .root }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- include "whatsapp.podPlacement" . }}
{{- end }}

{{/* imagePullSecrets, nodeSelector, tolerations, affinity: (dict "root" $ …) */}}
{{- define "whatsapp.podPlacement" -}}
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Soft spreading of one component's pods over nodes: (dict "root" $ "component" …) */}}
{{- define "whatsapp.topologySpread" -}}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "whatsapp.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end }}

{{/* HTTP GET probe on the http port: (dict "path" "/health" "probe" <settings>) */}}
{{- define "whatsapp.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{- toYaml .probe | nindent 0 }}
{{- end }}

{{/*
A container that waits until TCP ports answer, with node from the given image (no extra image):
(dict "root" $ "image" … "targets" (list "host:port" …))
*/}}
{{- define "whatsapp.waitForContainer" -}}
- name: wait-for-stores
  image: {{ .image }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  command:
    - node
    - -e
    - |
      const net = require('node:net');
      const wait = (target) => new Promise((resolve) => {
        const [host, port] = target.split(':');
        const attempt = () => {
          const socket = net.connect({ host, port: Number(port), timeout: 2000 });
          socket.once('connect', () => { socket.destroy(); console.log(`${target} is up`); resolve(); });
          const retry = () => { socket.destroy(); setTimeout(attempt, 2000); };
          socket.once('error', retry);
          socket.once('timeout', retry);
        };
        attempt();
      });
      Promise.all(process.argv.slice(1).map(wait)).then(() => process.exit(0));
    {{- range .targets }}
    - {{ . | quote }}
    {{- end }}
  securityContext:
    {{- toYaml .root.Values.containerSecurityContext | nindent 4 }}
  resources:
    requests: { cpu: 10m, memory: 32Mi }
    limits: { cpu: 100m, memory: 128Mi }
{{- end }}

{{/*
The in-chart stores, as YAML: what differs between them (user, ports, arguments, environment,
probes, writable paths). The StatefulSet, Service and Secret templates range over the enabled ones.
Each runs as its image's own unprivileged user, on a read-only root filesystem.
*/}}
{{- define "whatsapp.storeSpecs" -}}
{{- $p := .Values.postgres }}
postgres:
  uid: 70
  gid: 70
  ports:
    - { name: postgres, port: 5432 }
  dataPath: /var/lib/postgresql/data
  writable: [/var/run/postgresql]
  env:
    # A subdirectory: a fresh volume's root may hold lost+found, which initdb refuses.
    PGDATA: /var/lib/postgresql/data/pgdata
  secretEnv:
    POSTGRES_USER: {{ $p.auth.username | quote }}
    POSTGRES_PASSWORD: {{ $p.auth.password | quote }}
    POSTGRES_DB: {{ $p.auth.database | quote }}
  readinessProbe:
    exec:
      command: [pg_isready, -h, 127.0.0.1, -U, {{ $p.auth.username | quote }}, -d, {{ $p.auth.database | quote }}]
  livenessProbe:
    tcpSocket: { port: postgres }
mongodb:
  uid: 999
  gid: 999
  ports:
    - { name: mongodb, port: 27017 }
  dataPath: /data/db
  writable: [/data/configdb]
  readinessProbe:
    tcpSocket: { port: mongodb }
  livenessProbe:
    tcpSocket: { port: mongodb }
redis:
  uid: 999
  gid: 1000
  ports:
    - { name: redis, port: 6379 }
  dataPath: /data
  args: ["--appendonly", "yes"]
  readinessProbe:
    exec:
      command: [redis-cli, ping]
  livenessProbe:
    tcpSocket: { port: redis }
nats:
  uid: 1000
  gid: 1000
  ports:
    - { name: client, port: 4222 }
    - { name: monitor, port: 8222 }
  dataPath: /data
  args: ["-js", "-sd", "/data", "-m", "8222"]
  readinessProbe:
    httpGet: { path: /healthz, port: monitor }
  livenessProbe:
    httpGet: { path: /healthz, port: monitor }
minio:
  uid: 1000
  gid: 1000
  ports:
    - { name: s3, port: 9000 }
    - { name: console, port: 9001 }
  dataPath: /data
  args: ["server", "/data", "--console-address", ":9001", "--certs-dir", "/tmp/certs"]
  env:
    HOME: /tmp
  secretEnv:
    MINIO_ROOT_USER: {{ .Values.minio.rootUser | quote }}
    MINIO_ROOT_PASSWORD: {{ .Values.minio.rootPassword | quote }}
  readinessProbe:
    httpGet: { path: /minio/health/ready, port: s3 }
  livenessProbe:
    httpGet: { path: /minio/health/live, port: s3 }
{{- end }}

{{/* The enabled in-chart stores' specs, as YAML. */}}
{{- define "whatsapp.enabledStores" -}}
{{- $out := dict }}
{{- range $name, $spec := include "whatsapp.storeSpecs" . | fromYaml }}
{{- if (index $.Values $name).enabled }}{{ $_ := set $out $name $spec }}{{ end }}
{{- end }}
{{- toYaml $out }}
{{- end }}
