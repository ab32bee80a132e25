/**
 * The one request helper and one interface per answer of openvre's Jupyter server extension
 * (docs/workspace-api.md). The browser only ever talks to `<baseUrl>openvre/api/...`; tokens stay on the server.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface FieldProblem {
  field: string;
  message: string;
}

export interface SpecProblem {
  line: number | null;
  message: string;
  fix: string;
}

/** An error answer of the server extension, with the message that says how to fix it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly problems: SpecProblem[] = []
  ) {
    super(message);
  }
}

export interface ServiceInfo {
  kind: 'embedded' | 'remote';
  url: string;
  ready: boolean;
}

export interface SessionInfo {
  logged_in: boolean;
  account: string | null;
  services: Record<string, ServiceInfo>;
  local_rse: string | null;
  root_dir: string;
}

export type JobState = 'running' | 'done' | 'failed';

export interface Job<R = Record<string, unknown>> {
  id: string;
  kind: string;
  state: JobState;
  done: number;
  total: number;
  unit: 'bytes' | 'files' | 'steps';
  message: string;
  result: R | null;
  error: { error?: string; message?: string } | null;
}

export type Availability = 'available' | 'replicating' | 'stuck' | 'not_available';

export interface DidItem {
  did: string;
  scope: string;
  name: string;
  type: string;
  bytes: number | null;
  length: number | null;
}

export interface AvailabilityInfo {
  state: Availability;
  files: number;
  available_files: number;
  rule_id: string | null;
  message: string;
}

export interface DidDetails {
  did: string;
  type: string;
  bytes: number | null;
  length: number | null;
  metadata: Record<string, unknown>;
  content: { did: string; type: string; bytes: number | null }[];
  replicas: { did: string; bytes: number | null; adler32: string | null; rses: Record<string, string> }[];
  rules: {
    id: string;
    rse_expression: string;
    state: string;
    locks_ok_cnt: number;
    locks_replicating_cnt: number;
    locks_stuck_cnt: number;
    expires_at: string | null;
  }[];
}

export interface WorkflowSummary {
  id: string;
  name: string;
  run_number: number | string;
  status: string;
  created: string;
  progress: { finished: number; total: number };
}

export interface GraphNode {
  id: string;
  label: string;
  status: string;
}

export interface WorkflowDetails extends WorkflowSummary {
  started: string | null;
  ended: string | null;
  workflow_type: string;
  graph: { nodes: GraphNode[]; edges: [string, string][] };
}

export interface StepLog {
  id: string;
  name: string;
  status: string;
  started: string | null;
  finished: string | null;
  logs: string;
}

export interface WorkspaceFile {
  name: string;
  size: number;
  'last-modified': string;
}

export interface Creator {
  name: string;
  affiliation?: string;
  orcid?: string;
}

export interface PublicationMetadata {
  title: string;
  upload_type: string;
  description: string;
  creators: Creator[];
  keywords: string[];
  license: string;
  version?: string;
}

export interface PublishResult {
  id: string | number;
  doi: string | null;
  doi_url: string | null;
  record_url: string | null;
  deposit_url?: string;
}

export interface RecordItem {
  id: string | number;
  title: string;
  doi: string;
  doi_url: string;
  record_url: string;
  creators: (string | Creator)[];
  publication_date: string;
  files: { key: string; size: number }[];
}

type Query = Record<string, string | number | null | undefined>;

let onUnauthorized: () => void = () => undefined;

/** Called whenever the server says the openvre session is gone (401), so every panel shows the login. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function request<T>(path: string, method = 'GET', body?: unknown, query?: Query): Promise<T> {
  const settings = ServerConnection.makeSettings();
  let url = URLExt.join(settings.baseUrl, 'openvre/api', path);
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== '') {
        params.set(key, String(value));
      }
    }
    const text = params.toString();
    if (text) {
      url += '?' + text;
    }
  }
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (reason) {
    throw new ApiError(0, 'NetworkError', `The Jupyter server cannot be reached (${String(reason)}).`);
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const problem = (data ?? {}) as {
      error?: string;
      message?: string;
      fields?: FieldProblem[];
      problems?: SpecProblem[];
    };
    if (response.status === 404 && !problem.error) {
      throw new ApiError(
        404,
        'NotInstalled',
        "openvre's Jupyter server extension is not answering: run `pip install openvre` and restart JupyterLab."
      );
    }
    if (response.status === 401 && path !== 'session') {
      onUnauthorized();
    }
    throw new ApiError(
      response.status,
      problem.error ?? `HTTP ${response.status}`,
      problem.message ?? (response.statusText || `The server answered ${response.status}.`),
      problem.fields ?? [],
      problem.problems ?? []
    );
  }
  return data as T;
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms));

/** Poll a background job every 0.5 s until it is done or failed; a failed job throws its error. */
export async function waitForJob<R>(id: string, onProgress: (job: Job<R>) => void = () => undefined): Promise<Job<R>> {
  for (;;) {
    const job = await request<Job<R>>(`jobs/${encodeURIComponent(id)}`);
    onProgress(job);
    if (job.state === 'done') {
      return job;
    }
    if (job.state === 'failed') {
      throw new ApiError(0, job.error?.error ?? 'JobFailed', job.error?.message ?? job.message ?? 'The job failed.');
    }
    await sleep(500);
  }
}

interface JobStarted {
  job: string;
}

async function startJob<R>(path: string, body: unknown, onProgress?: (job: Job<R>) => void): Promise<Job<R>> {
  const started = await request<JobStarted>(path, 'POST', body);
  return waitForJob<R>(started.job, onProgress);
}

// Session
export const getSession = (): Promise<SessionInfo> => request<SessionInfo>('session');
export const logIn = (username: string, password: string): Promise<SessionInfo> =>
  request<SessionInfo>('session', 'POST', { username, password });
export const logOut = (): Promise<SessionInfo> => request<SessionInfo>('session', 'DELETE');

// Data lake
export const listScopes = (): Promise<{ scopes: string[] }> => request('data/scopes');
export const searchDids = (
  q: string,
  type: string,
  filters: string,
  limit = 200
): Promise<{ items: DidItem[]; elapsed_ms: number }> => request('data/search', 'GET', undefined, { q, type, filters, limit });
export const getAvailability = (dids: string[]): Promise<{ items: Record<string, AvailabilityInfo> }> =>
  request('data/availability', 'POST', { dids });
export const getDid = (did: string): Promise<DidDetails> => request('data/did', 'GET', undefined, { did });
export const makeAvailable = (
  did: string,
  lifetime: number | null
): Promise<{ rule_id: string; availability: AvailabilityInfo }> => request('data/make-available', 'POST', { did, lifetime });
export const getPaths = (did: string): Promise<{ did: string; state: Availability; paths: string[] }> =>
  request('data/paths', 'GET', undefined, { did });
export const downloadDid = (did: string, onProgress?: (job: Job<{ paths: string[] }>) => void): Promise<Job<{ paths: string[] }>> =>
  startJob('data/download', { did, path: null }, onProgress);
export const uploadFiles = (
  paths: string[],
  scope: string,
  dataset: string | null,
  onProgress?: (job: Job<{ dids: string[] }>) => void
): Promise<Job<{ dids: string[] }>> => startJob('data/upload', { paths, scope, dataset, rse: null }, onProgress);

// Workflows
export const listWorkflows = (query: Query): Promise<{ items: WorkflowSummary[]; total: number }> =>
  request('workflows', 'GET', undefined, query);
export const validateWorkflow = (
  path: string
): Promise<{ valid: boolean; problems: SpecProblem[]; workflow_type: string | null }> =>
  request('workflows/validate', 'POST', { path });
export const submitWorkflow = (
  path: string,
  onProgress?: (job: Job<{ workflow: string }>) => void
): Promise<Job<{ workflow: string }>> => startJob('workflows', { path, name: null, parameters: {} }, onProgress);
const wf = (w: string): string => `workflows/${encodeURIComponent(w)}`;
export const getWorkflow = (w: string): Promise<WorkflowDetails> => request(wf(w));
export const getWorkflowLogs = (w: string): Promise<{ workflow_log: string; steps: StepLog[] }> => request(`${wf(w)}/logs`);
export const getWorkflowFiles = (w: string): Promise<{ files: WorkspaceFile[] }> => request(`${wf(w)}/files`);
export const downloadWorkflowFiles = (
  w: string,
  files: string[] | null,
  onProgress?: (job: Job<{ paths: string[] }>) => void
): Promise<Job<{ paths: string[] }>> => startJob(`${wf(w)}/download`, { files, path: null }, onProgress);
export const restartWorkflow = (w: string): Promise<WorkflowSummary> => request(`${wf(w)}/restart`, 'POST', {});
export const stopWorkflow = (w: string): Promise<WorkflowSummary> => request(`${wf(w)}/stop`, 'POST', {});
export const deleteWorkflow = (w: string): Promise<{ deleted: string }> => request(wf(w), 'DELETE');

// Publishing
export const prefillMetadata = (
  paths: string[]
): Promise<{ metadata: Partial<PublicationMetadata>; source: string | null }> =>
  request('publish/prefill', 'POST', { paths });
export const depositFiles = (
  paths: string[],
  metadata: PublicationMetadata,
  publish: boolean,
  onProgress?: (job: Job<PublishResult>) => void
): Promise<Job<PublishResult>> => startJob('publish/deposit', { paths, metadata, publish }, onProgress);
export const publishRun = (
  workflow: string,
  metadata: PublicationMetadata | null,
  onProgress?: (job: Job<PublishResult>) => void
): Promise<Job<PublishResult>> => startJob('publish/run', { workflow, metadata }, onProgress);
export const searchRecords = (q: string, communities: string, page: number, size: number): Promise<{ items: RecordItem[]; total: number }> =>
  request('publish/records', 'GET', undefined, { q, communities, page, size });
export const listCommunities = (): Promise<{ items: { id: string; title: string }[] }> => request('publish/communities');
export const importRecord = (
  id: string | number,
  onProgress?: (job: Job<{ paths: string[] }>) => void
): Promise<Job<{ paths: string[] }>> => startJob(`publish/records/${encodeURIComponent(String(id))}/import`, { path: null }, onProgress);
