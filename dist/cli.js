#!/usr/bin/env node
import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);
import{execute,inputSpec,inputSpecs,isFilePath,readInputs}from"./chunks/chunk-P34HWYZX.js";import{require_yaml}from"./chunks/chunk-74OXFZKA.js";import"./chunks/chunk-RUZTL6QC.js";import"./chunks/chunk-AKAOT7WQ.js";import"./chunks/chunk-4WI4NIKU.js";import"./chunks/chunk-KTIW7SH7.js";import{renderText,useHost}from"./chunks/chunk-I6UE5COB.js";import"./chunks/chunk-W54YNERU.js";import"./chunks/chunk-CKZOJBUR.js";import"./chunks/chunk-COIASMRJ.js";import"./chunks/chunk-22XRLQMM.js";import"./chunks/chunk-LIC4AB7E.js";import"./chunks/chunk-XE6LYVN4.js";import{InputError,isUserError}from"./chunks/chunk-U7W6GSMZ.js";import{__name,__toESM}from"./chunks/chunk-6ILAPVQB.js";var package_default={name:"pull-credentials",version:"0.1.0",private:!0,description:"GitHub Action: ship registry pull credentials to Marathon/DC/OS, Kubernetes and rapyuta.io, and prove the images pull",type:"module",bin:{"pull-credentials":"dist/cli.js"},files:["dist/","action.yml"],license:"MIT",engines:{node:">=24"},scripts:{build:"node scripts/build.mjs",typecheck:"tsc --noEmit",lint:"eslint . --max-warnings=0 && prettier --check .",format:"prettier --write .",test:"bash scripts/setup.sh && npm run -s build && vitest run",demo:"bash scripts/setup.sh && npm run -s build && node scripts/demo.mjs",bench:"bash scripts/setup.sh && npm run -s build && node scripts/bench.mjs"},devDependencies:{"@actions/core":"3.0.1","@actions/exec":"3.0.0","@aws-sdk/client-ecr":"3.1169.0","@aws-sdk/client-ecr-public":"3.1108.0","@aws-sdk/client-s3":"3.1169.0","@azure/identity":"4.14.1","@eslint/js":"10.0.1","@kubernetes/client-node":"2.0.1","@types/node":"24.19.2",esbuild:"0.28.2",eslint:"10.15.0","google-auth-library":"10.9.1",jose:"6.2.17",node:"24.21.0",prettier:"3.10.1",s3rver:"3.7.1",tar:"7.5.23",typescript:"6.0.3","typescript-eslint":"8.73.0",undici:"8.12.4",vitest:"5.1.1",yaml:"2.9.1"},allowScripts:{node:!0,esbuild:!0}};var UsageError=class extends Error{static{__name(this,"UsageError")}constructor(message){super(message),this.name="UsageError"}},OPTIONS=["help","version","json","debug","password-stdin","output-dir"],SWITCHES=new Set(["help","version","json","debug","password-stdin"]),envName=__name(name=>`PULL_CREDENTIALS_${name.replace(/-/g,"_").toUpperCase()}`,"envName");function parseArgs(argv){let args={help:!1,version:!1,json:!1,debug:!1,passwordStdin:!1,flags:new Map};for(let i=0;i<argv.length;i++){let arg=argv[i];if(arg==="-h"){args.help=!0;continue}let match=/^--([a-z0-9-]+)(?:=([\s\S]*))?$/.exec(arg);if(!match)throw new UsageError(`unexpected argument ${i+1}: every input is given as --name value`);let name=match[1],inline=match[2];if(SWITCHES.has(name)){if(inline!==void 0)throw new UsageError(`--${name} takes no value`);name==="help"?args.help=!0:name==="version"?args.version=!0:name==="json"?args.json=!0:name==="debug"?args.debug=!0:args.passwordStdin=!0;continue}let spec=inputSpec(name);if(spec===void 0&&!OPTIONS.includes(name))throw new UsageError(`unknown option --${name} (pull-credentials --help lists them)`);let value=inline;if(value===void 0){let next=argv[i+1];if(next===void 0||/^--[a-z]/.test(next))throw new UsageError(`--${name} needs a value (--${name}=VALUE for one that begins with --)`);value=next,i++}if(spec===void 0){if(args.outputDir!==void 0)throw new UsageError("--output-dir is given twice");if(value.trim()==="")throw new UsageError("--output-dir is empty");args.outputDir=value;continue}let seen=args.flags.get(name)??[];if(seen.length>0&&spec.kind!=="list")throw new InputError(name,`--${name} is given twice (only list inputs repeat)`);args.flags.set(name,[...seen,value])}return args}__name(parseArgs,"parseArgs");function refuseSecretFlag(spec,value){if(spec.secret===void 0||spec.secret==="document"&&isFilePath(value))return;let where=spec.secret==="document"?", or give a file path":"",stdin=spec.name==="password"?", or pipe it to --password-stdin":"";throw new InputError(spec.name,`is a secret and must not be a command-line flag (other users can read the process list): set ${envName(spec.name)}${where}${stdin}`)}__name(refuseSecretFlag,"refuseSecretFlag");function cliSource(args,env2,stdinPassword){for(let[name,values]of args.flags){let spec=inputSpec(name);for(let value of values)refuseSecretFlag(spec,value)}if(stdinPassword!==void 0&&(env2[envName("password")]??"")!=="")throw new InputError("password",`is given twice: by --password-stdin and by ${envName("password")}; keep one`);return{get(spec){let flags=args.flags.get(spec.name);return flags!==void 0?flags.join(`
`):spec.name==="password"&&stdinPassword!==void 0?stdinPassword:env2[envName(spec.name)]??""}}}__name(cliSource,"cliSource");function passwordFromStdin(text){return text.replace(/\n$/,"").replace(/\r$/,"")}__name(passwordFromStdin,"passwordFromStdin");var import_yaml=__toESM(require_yaml(),1);var action_default=`name: pull-credentials
description: >-
  Turn registry secrets into Docker pull credentials (config.json, .dockercfg, docker.tar.gz), prove the
  images really pull with them, and ship them to Marathon/DC/OS, Kubernetes and rapyuta.io.
author: pull-credentials
branding:
  icon: key
  color: blue

inputs:
  # --- credentials -------------------------------------------------------------------------------
  registry:
    description: 'Registry server: host, host:port, https://host[:port][/path], http://host[:port], or a Docker Hub alias.'
    required: false
    default: docker.io
  username:
    description: Registry username.
    required: false
  password:
    description: Registry password or access token (pass it from a secret).
    required: false
  email:
    description: E-mail stored with the credentials (legacy consumers and rapyuta.io want it).
    required: false
  registries:
    description: 'YAML list of {registry, username, password, email, auth} for several registries; combined with the single-registry inputs.'
    required: false
  # --- cloud identities --------------------------------------------------------------------------
  auth:
    description: 'How the credential is obtained: password, aws (ECR), aws-public (ECR Public), gcp (Artifact Registry, GCR), azure (ACR), or auto: the password when given, else the identity of a recognised cloud registry host.'
    required: false
    default: auto
  min-lifetime:
    description: 'Refuse a credential that expires sooner than this (30m, 6h, 1d) for targets that outlive the job (upload-to, Kubernetes, DC/OS, rapyuta.io).'
    required: false
    default: 1h
  azure-client-id:
    description: 'auth azure: application (client) id of the federated credential (default: AZURE_CLIENT_ID).'
    required: false
  azure-tenant-id:
    description: 'auth azure: tenant id (default: AZURE_TENANT_ID).'
    required: false
  config-format:
    description: 'config.json ({"auths": {...}}) or dockercfg (the legacy flat map for Docker < 1.6 / Registry 1.0).'
    required: false
    default: config.json
  export-docker-config:
    description: true exports DOCKER_CONFIG for later steps of the job.
    required: false
    default: 'false'
  state:
    description: present creates or updates everything; absent removes what present would have made.
    required: false
    default: present
  mode:
    description: apply writes; plan reads every place and reports what apply would change, writing nothing (pull requests); audit checks the credentials deployed at every place, writing nothing (schedules).
    required: false
    default: apply
  timeout:
    description: Seconds each target may take, its retries included, and each of minting cloud credentials and pull verification as a whole; a server that never answers is reported as timed out after this.
    required: false
    default: '60'
  # --- archive and destinations ------------------------------------------------------------------
  tarball:
    description: true builds docker.tar.gz; implied whenever upload-to is set.
    required: false
    default: 'false'
  upload-to:
    description: 'Newline list of archive destinations: file:///abs/path or /abs/path, s3://bucket/key, https://url (HTTP PUT), gs://bucket/object.'
    required: false
  upload-headers:
    description: "'Name: value' lines sent with https:// uploads (values are masked)."
    required: false
  s3-endpoint:
    description: Endpoint of an S3-compatible store (MinIO, Ceph RGW, R2, GCS interoperability).
    required: false
  s3-region:
    description: S3 region; default from the AWS environment, else us-east-1.
    required: false
  s3-force-path-style:
    description: true addresses buckets by path (most S3-compatible stores need it).
    required: false
    default: 'false'
  s3-sse:
    description: 'Server-side encryption for s3:// objects: AES256, aws:kms, or none (only with s3-endpoint, for stores without a KMS such as MinIO).'
    required: false
    default: AES256
  s3-kms-key-id:
    description: KMS key id for s3-sse aws:kms (default the account's aws/s3 key).
    required: false
  fetch-scheme:
    description: 'https gives agents https:// object URLs in fetch-uris; native keeps s3:// and gs:// for fetchers that handle them.'
    required: false
    default: https
  # --- verification ------------------------------------------------------------------------------
  images:
    description: Newline list of image references to prove pullable with the written credentials.
    required: false
  verify:
    description: 'fail (a failing image fails the step and nothing is shipped), warn (annotations only) or off.'
    required: false
    default: fail
  platforms:
    description: Newline list of os/arch[/variant] every image in images must provide; a line may also be comma-separated (linux/amd64,linux/arm64).
    required: false
  ca-cert:
    description: PEM text or a file path of extra CA certificates to trust (self-signed registries).
    required: false
  tls-verify:
    description: false skips TLS certificate checks while verifying (a warning is annotated).
    required: false
    default: 'true'
  # --- Kubernetes --------------------------------------------------------------------------------
  kubernetes-namespaces:
    description: Newline list of namespaces that get the pull secret (turns the Kubernetes target on).
    required: false
  kubernetes-secret-name:
    description: Name of the pull secret (a DNS-1123 subdomain).
    required: false
    default: regcred
  kubeconfig:
    description: Kubeconfig content (or a file path); otherwise KUBECONFIG, then ~/.kube/config, then in-cluster.
    required: false
  kubernetes-contexts:
    description: Newline list of kubeconfig contexts to fan out to; default the current context.
    required: false
  kubernetes-secret-type:
    description: dockerconfigjson (kubernetes.io/dockerconfigjson) or dockercfg (kubernetes.io/dockercfg).
    required: false
    default: dockerconfigjson
  kubernetes-service-accounts:
    description: Newline list of service accounts whose imagePullSecrets gain the secret.
    required: false
  kubernetes-create-namespace:
    description: true creates missing namespaces (PR previews), labelled as managed by pull-credentials.
    required: false
    default: 'false'
  kubernetes-labels:
    description: key=value lines added to the secret's labels.
    required: false
  kubernetes-annotations:
    description: key=value lines added to the secret's annotations.
    required: false
  kubernetes-force:
    description: true takes over a same-named secret that pull-credentials did not create.
    required: false
    default: 'false'
  # --- DC/OS and Marathon ------------------------------------------------------------------------
  dcos-url:
    description: DC/OS cluster URL (turns the DC/OS secret store target on with dcos-secret-path).
    required: false
  dcos-secret-path:
    description: Secret store path of the pull config, e.g. mesos-docker/pullConfig.
    required: false
  dcos-token:
    description: DC/OS authentication token.
    required: false
  dcos-uid:
    description: Service account or user id to log in with (with dcos-private-key or dcos-password).
    required: false
  dcos-private-key:
    description: Service account RSA private key for an RS256 login token; PEM text, a file path, or the service-account JSON.
    required: false
  dcos-password:
    description: Password of dcos-uid.
    required: false
  dcos-ca-cert:
    description: PEM text or file path of the cluster's CA certificate.
    required: false
  dcos-secret-encoding:
    description: file (raw bytes, as \`dcos security secrets create --file\`) or value (JSON value, as --value-file).
    required: false
    default: file
  marathon-definitions:
    description: Newline list of Marathon app or pod JSON files to patch.
    required: false
  marathon-output-dir:
    description: Directory for the patched definitions; default patch in place.
    required: false
  marathon-mode:
    description: secret (pullConfig from the DC/OS secret store) or tarball (fetch the archive); default secret when dcos-secret-path is set, else tarball.
    required: false
  marathon-secret-name:
    description: Key of the definition's secrets map that holds the pull config.
    required: false
    default: pullConfigSecret
  marathon-containerizer:
    description: mesos switches an app's container.type from DOCKER to MESOS so pullConfig is accepted (marathon-mode secret only).
    required: false
  # --- rapyuta.io --------------------------------------------------------------------------------
  rapyuta-token:
    description: rapyuta.io API token (turns the rapyuta.io target on).
    required: false
  rapyuta-organization:
    description: rapyuta.io organization GUID (required with rapyuta-token).
    required: false
  rapyuta-project:
    description: rapyuta.io project GUID (required with rapyuta-token).
    required: false
  rapyuta-secret-name:
    description: Docker secret name (3-253 of a-z, 0-9, -); one registry uses <name>, several get <name>-1, <name>-2\u2026 in order.
    required: false
  rapyuta-secret-names:
    description: Newline list of secret names, one per registry in order (instead of rapyuta-secret-name); with state absent, the names to delete.
    required: false
  rapyuta-api-url:
    description: rapyuta.io API URL; https only (http for loopback).
    required: false
    default: https://api.rapyuta.io

outputs:
  expires-at:
    description: Earliest expiry (ISO 8601, UTC) among the credentials written; empty when none expires.
  docker-config:
    description: Path of the written config.json (or .dockercfg).
  docker-config-dir:
    description: Directory holding it (what DOCKER_CONFIG is set to).
  tarball:
    description: Local path of docker.tar.gz.
  tarball-sha256:
    description: sha256 of docker.tar.gz.
  uploaded:
    description: 'JSON array of {uri, result} for every destination (result written, unchanged, deleted, absent or failed; a failed one also has message, saying why).'
  fetch-uris:
    description: JSON array of the URIs Mesos agents fetch the archive from, one per destination.
  verification:
    description: JSON array with one verdict per image.
  verified:
    description: true when every image (or, with no images, every registry login) verified.
  kubernetes:
    description: 'JSON array of {context, namespace, secret, action, message}.'
  dcos:
    description: 'JSON {path, action, message} for the DC/OS secret.'
  marathon-definitions:
    description: JSON array of the absolute paths of the patched Marathon definitions (written or already up to date).
  rapyuta:
    description: 'JSON array of {name, registry, action, message} for rapyuta.io secrets.'
  changes:
    description: Number of places changed (apply) or that would change (plan; would-create, would-update, would-delete).
  audit:
    description: 'mode audit: JSON array of {target, place, status, message, expiresAt, verification} (status ok, stale, broken, expiring, missing, foreign, unknown, skipped or failed).'

runs:
  using: node24
  main: dist/main.js
  post: dist/main.js
`;function descriptions(section){let action=(0,import_yaml.parse)(action_default);return Object.fromEntries(Object.entries(action[section]).map(([name,spec])=>[name,(spec.description??"").trim()]))}__name(descriptions,"descriptions");function flag(spec){let value=spec.kind==="list"?"VALUE (repeatable)":spec.kind==="document"?"TEXT":"VALUE";return`--${spec.name} ${value}`}__name(flag,"flag");function env(spec){let name=envName(spec.name);return spec.secret==="document"?`env: ${name} (secret: as a flag, a file path only)`:spec.secret!==void 0?`env: ${name} (secret: from the environment only, never a flag)`:`env: ${name}`}__name(env,"env");function helpText(){let described=descriptions("inputs"),outputs=Object.entries(descriptions("outputs")).map(([name,text])=>`  ${name}
      ${text}`);return`Usage: pull-credentials [--name value ...]

Writes Docker pull credentials, proves the images pull with them, and ships them to the targets:
the same engine and inputs as the pull-credentials GitHub Action, for any CI or a terminal.

Every input is a flag of the same name or an environment variable PULL_CREDENTIALS_<NAME>
(upper case, dashes as underscores); a flag wins. List inputs repeat, or take newline-separated
values. Secrets come from the environment (or --password-stdin), never from flags.

Options:
  --output-dir DIR   where config.json and docker.tar.gz go (default: a new temporary directory)
  --json             print the outputs as one JSON object instead of name=value lines: the outputs
                     that are JSON (uploaded, fetch-uris, verification, kubernetes, ...) as nested
                     arrays and objects, verified as a boolean, changes as a number, others strings
  --password-stdin   read the registry password from standard input
  --debug            debug lines in the report
  --help, -h         this text
  --version          the version

Exit status: 0 everything succeeded, 1 a verification or a target failed, 2 an input is wrong.
The report goes to stderr, the outputs to stdout.

Inputs:
${inputSpecs.map(spec=>{let defaults=spec.default===void 0?"":` [default: ${spec.default}]`;return`  ${flag(spec)}
      ${described[spec.name]??""}${defaults}
      ${env(spec)}`}).join(`
`)}

Outputs (name=value lines on stdout, or one JSON object with --json):
${outputs.join(`
`)}
`}__name(helpText,"helpText");import*as fs from"node:fs/promises";import*as os from"node:os";import*as path from"node:path";var SHORT=4;function createCliHost(options){let secrets=new Set,outputs={},values={},redact=__name(text=>{let result=text;for(let secret of[...secrets].sort((a,b)=>b.length-a.length))if(secret.length>=SHORT)result=result.replaceAll(secret,"***");else{let escaped=secret.replace(/[.*+?^${}()|[\]\\]/g,"\\$&");result=result.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`,"g"),"***")}return result},"redact"),line=__name(text=>{options.write(`${redact(text)}
`)},"line"),annotation=__name((kind,message,properties)=>{let text=message instanceof Error?message.message:message;line(`${kind}: ${properties?.title?`${properties.title}: `:""}${text}`)},"annotation");return{outputs,values,redact,renderOutputs(json){return json?`${JSON.stringify(values,(_key,v)=>typeof v=="string"?redact(v):v)}
`:Object.entries(outputs).map(([name,value])=>`${name}=${redact(value)}
`).join("")},info:line,warning:__name((message,properties)=>{annotation("warning",message,properties)},"warning"),notice:__name((message,properties)=>{annotation("notice",message,properties)},"notice"),error:__name((message,properties)=>{annotation("error",message,properties)},"error"),debug(message){options.debug&&line(`debug: ${message}`)},async group(title,fn){return line(`== ${title}`),fn()},startGroup(title){line(`== ${title}`)},endGroup(){},setSecret(secret){if(secret.trim()!==""&&(secrets.add(secret),!!secret.includes(`
`)))for(let part of secret.split(/\r?\n/))part.trim().length>=8&&secrets.add(part.trim())},setOutput(name,value){let text=typeof value=="string"?value:JSON.stringify(value)??"";outputs[name]=text,values[name]=typeof value=="string"||text===""?text:JSON.parse(text)},exportVariable(name,value){line(`${name} cannot be exported for later commands from here; run: export ${name}=${value}`)},async createRunDir(){let dir;return options.outputDir===void 0?dir=await fs.mkdtemp(path.join(os.tmpdir(),"pull-credentials-")):(dir=path.resolve(options.outputDir),await fs.mkdir(dir,{recursive:!0,mode:448})),line(`Files go to ${dir} (they stay there)`),dir},summary(report){return options.write(redact(renderText(report))),Promise.resolve()}}}__name(createCliHost,"createCliHost");var EXIT_OK=0,EXIT_FAILED=1,EXIT_INPUT=2;async function runCli(io){let args;try{args=parseArgs(io.argv)}catch(error){if(!(error instanceof UsageError||error instanceof InputError))throw error;return io.stderr(`pull-credentials: ${error.message}
`),EXIT_INPUT}if(args.help)return io.stdout(helpText()),EXIT_OK;if(args.version)return io.stdout(`${package_default.version}
`),EXIT_OK;let host=createCliHost({write:io.stderr,...args.outputDir===void 0?{}:{outputDir:args.outputDir},debug:args.debug});useHost(host);let printOutputs=__name(()=>{io.stdout(host.renderOutputs(args.json))},"printOutputs");try{let stdinPassword=args.passwordStdin?passwordFromStdin(await io.readStdin()):void 0,source=cliSource(args,io.env,stdinPassword);return await execute(()=>readInputs(source)),printOutputs(),EXIT_OK}catch(error){if(error instanceof InputError)return io.stderr(`pull-credentials: ${host.redact(error.message)}
`),io.argv.length===0&&io.stderr(`Run pull-credentials --help for the inputs.
`),EXIT_INPUT;printOutputs();let message=isUserError(error)?error.message:error instanceof Error?error.stack??error.message:String(error);return io.stderr(`pull-credentials: ${host.redact(message)}
`),EXIT_FAILED}}__name(runCli,"runCli");async function readStdin(){let chunks=[];for await(let chunk of process.stdin)chunks.push(chunk);return Buffer.concat(chunks).toString("utf8")}__name(readStdin,"readStdin");process.exitCode=await runCli({argv:process.argv.slice(2),env:process.env,readStdin,stdout:__name(text=>process.stdout.write(text),"stdout"),stderr:__name(text=>process.stderr.write(text),"stderr")});
