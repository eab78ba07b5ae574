/** The selected component: name, description, version picker, deprecation or unpublishing, sizes. */
import type { ComponentDetail, VersionDetail } from './api.js';
import { formatBytes, h } from './dom.js';

/** `live`: the component `vite dev` serves from source — not published, no bundle to measure yet. */
export function renderHeader(detail: ComponentDetail, version: VersionDetail, onVersion: (version: string) => void, live = false): HTMLElement {
  const picker = h('select', { id: 'version', class: 'version-select', onchange: () => onVersion(picker.value) });
  for (const v of sortVersions(detail.versions)) {
    const labels = [v.version, v.version === detail.latest ? 'latest' : '', v.unpublished ? 'unpublished' : '', v.deprecated ? `deprecated: ${v.deprecated}` : ''];
    const option = new Option(labels.filter(Boolean).join(' — '), v.version, false, v === version);
    if (v.deprecated) option.dataset.deprecated = v.deprecated;
    picker.append(option);
  }

  const description = version.description ?? detail.description;
  return h(
    'header',
    { class: 'component-header' },
    h(
      'div',
      { class: 'title-row' },
      h('h1', { class: 'component-name' }, detail.name),
      h('label', { class: 'version-picker' }, h('span', { class: 'visually-hidden' }, 'Version'), picker),
    ),
    description ? h('p', { class: 'component-description' }, description) : h('p', { class: 'component-description muted' }, 'No description.'),
    version.unpublished
      ? h('p', { class: 'notice warning', role: 'note' }, h('strong', {}, `${version.version} was unpublished`), ` on ${formatDate(version.unpublished)}: pages asking for it get 410 Gone.`)
      : version.deprecated
        ? h('p', { class: 'notice warning', role: 'note' }, h('strong', {}, `${version.version} is deprecated: `), version.deprecated)
        : null,
    live ? renderLive() : renderMeta(version),
  );
}

function renderMeta(version: VersionDetail): HTMLElement {
  const files = Object.entries(version.files);
  const total = files.reduce((sum, [, file]) => sum + file.gzip, 0);
  const chips = files.map(([path, file]) =>
    h('li', { class: 'chip', title: `${path}: ${formatBytes(file.size)}, ${formatBytes(file.gzip)} gzip` }, h('span', {}, basename(path)), h('strong', {}, formatBytes(file.gzip))),
  );
  return h(
    'div',
    { class: 'meta' },
    h(
      'ul',
      { class: 'sizes', 'aria-label': 'Client files, gzip size' },
      h('li', { class: 'chip total', title: 'Everything a browser downloads, gzip' }, h('span', {}, 'client'), h('strong', {}, `${formatBytes(total)} gz`)),
      ...chips,
      version.serverSize ? h('li', { class: 'chip', title: 'server.cjs: runs in the registry, never sent to browsers' }, h('span', {}, 'server'), h('strong', {}, formatBytes(version.serverSize))) : null,
    ),
    h('span', { class: 'published' }, `published ${formatDate(version.publishedAt)}`),
  );
}

function renderLive(): HTMLElement {
  return h(
    'div',
    { class: 'meta' },
    h('span', { class: 'published', 'data-live': '' }, 'in development: served from source by vite dev, not published (sizes after vite build)'),
  );
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Newest first, by semver precedence (a pre-release sorts below its release). */
export function sortVersions<T extends { version: string }>(versions: T[]): T[] {
  return [...versions].sort((a, b) => compareVersions(b.version, a.version));
}

export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = split(a);
  const [coreB, preB] = split(b);
  for (let i = 0; i < 3; i++) if (coreA[i] !== coreB[i]) return coreA[i] - coreB[i];
  if (preA === preB) return 0;
  if (!preA) return 1;
  if (!preB) return -1;
  return preA.localeCompare(preB, 'en', { numeric: true });
}

function split(version: string): [number[], string] {
  const [core, ...pre] = version.split('+')[0].split('-');
  return [core.split('.').map((n) => Number(n) || 0), pre.join('-')];
}
