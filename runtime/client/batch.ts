/**
 * Renders a page asks for in the same task go out together: one `POST /r/batch` per registry,
 * each element getting its own result. A registry with one render in the task gets a plain
 * GET (cacheable by the browser and a CDN). Retries as for a single render: the batch once on
 * a network error or 5xx (requestJson), and an element whose own answer is a 5xx once more,
 * in the next batch. Every element keeps its own deadline.
 */
import type { RenderPayload } from '../shared/api.js';
import { createError, errorFromEnvelope } from '../shared/errors.js';
import { requestJson, withDeadline } from '../shared/registry-client.js';

export interface RenderRequest {
  /** The registry's root URL. */
  root: string;
  name: string;
  version: string | null;
  /** As the GET would deliver them (strings, or the JSON values of a compressed `d`). */
  parameters: Record<string, unknown>;
  /** The same render as a GET. */
  url: string;
  timeout: number;
}

type Answer = { body: RenderPayload; status: number };
interface Pending extends RenderRequest {
  attempt: number;
  /** performance.now() when `timeout` is up: a retry gets what is left, not a new timeout. */
  deadline: number;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

let queue: Pending[] = [];

/** The render payload for `request`, from a batch with the other renders of this task or a GET. */
export function requestRender(request: RenderRequest): Promise<Answer> {
  const answer = new Promise<Answer>((resolve, reject) => enqueue({ ...request, attempt: 0, deadline: performance.now() + request.timeout, resolve, reject }));
  // Each element's own deadline, whatever its batch does.
  return withDeadline(answer, request.timeout, `${request.url} did not answer`);
}

function enqueue(pending: Pending) {
  // After the task: every element it created or changed has asked by then.
  if (queue.push(pending) === 1) setTimeout(flush, 0);
}

function flush() {
  const byRegistry = new Map<string, Pending[]>();
  for (const pending of queue) {
    const group = byRegistry.get(pending.root);
    if (group) group.push(pending);
    else byRegistry.set(pending.root, [pending]);
  }
  queue = [];
  for (const [root, group] of byRegistry) {
    if (group.length === 1) {
      // A retry (attempt 1) is the one retry: no more of its own, and only the time left.
      const [p] = group;
      requestJson(p.url, {}, { retries: p.attempt ? 0 : 1, timeout: p.attempt ? left(p) : p.timeout }).then(p.resolve, p.reject);
    }
    else void send(root, group);
  }
}

async function send(root: string, group: Pending[]) {
  try {
    const body = JSON.stringify({
      components: group.map((p) => ({ name: p.name, version: p.version ?? undefined, parameters: p.parameters, timeout: Math.min(left(p), 60_000) })),
    });
    const url = `${root}/r/batch`;
    const { body: answers } = await requestJson(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }, { timeout: Math.max(...group.map(left)) });
    if (!Array.isArray(answers) || answers.length !== group.length) {
      throw createError({ status: 0, code: 'INTERNAL_ERROR', message: `${url} did not answer one result per component` });
    }
    group.forEach((p, i) => {
      const { status, response } = answers[i] ?? {};
      if (status === 200) p.resolve({ body: response, status });
      else if (status >= 500 && p.attempt === 0) setTimeout(() => enqueue({ ...p, attempt: 1 }), 250);
      else p.reject(errorFromEnvelope(status, response, `${p.url} answered HTTP ${status}`));
    });
  } catch (error) {
    for (const p of group) p.reject(error);
  }
}

const left = (p: Pending) => Math.max(1, Math.round(p.deadline - performance.now()));
