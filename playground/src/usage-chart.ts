/**
 * Usage of a component's versions: renders per day over the last 30 days as inline SVG bars,
 * with the totals (renders, actions, last rendered). The numbers are public in
 * `GET /r/components/:name`; an older registry sends none and the panel stays hidden.
 */
import type { UsageDay, VersionWithUsage } from './admin-api.js';
import type { ComponentDetail } from './api.js';
import { sortVersions } from './component-header.js';
import { formatTime, h, replace } from './dom.js';

export const DAYS = 30;
const BAR = 5;
const GAP = 1;
const HEIGHT = 32;
const SVG = 'http://www.w3.org/2000/svg';

/** The last `DAYS` UTC days up to `today`, oldest first, with the days the registry left out as zeros. */
export function lastDays(usage: UsageDay[], today = new Date()): UsageDay[] {
  const byDay = new Map(usage.map((day) => [day.day, day]));
  const days: UsageDay[] = [];
  for (let back = DAYS - 1; back >= 0; back--) {
    const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - back)).toISOString().slice(0, 10);
    days.push(byDay.get(day) ?? { day, renders: 0, actions: 0 });
  }
  return days;
}

export function hasUsage(version: VersionWithUsage): boolean {
  return typeof version.renders === 'number';
}

/** One version: its totals and a bar a day. */
export function renderUsage(version: VersionWithUsage, { label = version.version, current = false } = {}): HTMLElement {
  const days = lastDays(version.usage ?? []);
  const renders = version.renders ?? 0;
  const actions = version.actions ?? 0;
  return h(
    'div',
    { class: 'usage', 'data-usage-version': version.version, 'aria-current': current ? 'true' : null },
    h(
      'div',
      { class: 'usage-head' },
      h('span', { class: 'usage-version' }, label),
      h(
        'span',
        { class: 'usage-totals' },
        h('strong', { 'data-renders': '' }, String(renders)),
        renders === 1 ? ' render · ' : ' renders · ',
        h('strong', { 'data-actions': '' }, String(actions)),
        actions === 1 ? ' action · ' : ' actions · ',
        version.lastRenderedAt ? `last rendered ${formatTime(version.lastRenderedAt)}` : 'never rendered',
      ),
    ),
    chart(days, `${version.version}: renders per day over the last ${DAYS} days, ${days.reduce((sum, day) => sum + day.renders, 0)} in all`),
  );
}

function chart(days: UsageDay[], label: string): SVGSVGElement {
  const width = days.length * (BAR + GAP) - GAP;
  const svg = svgElement('svg', { class: 'usage-chart', viewBox: `0 0 ${width} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
  const max = Math.max(1, ...days.map((day) => day.renders));
  days.forEach((day, i) => {
    // A day without renders keeps a 1-unit stub, so the 30 days still read as an axis.
    const height = day.renders ? Math.max(2, Math.round((day.renders / max) * HEIGHT)) : 1;
    const bar = svgElement('rect', { class: day.renders ? 'usage-bar' : 'usage-bar zero', x: i * (BAR + GAP), y: HEIGHT - height, width: BAR, height, 'data-day': day.day });
    const title = svgElement('title', {});
    title.textContent = `${day.day}: ${day.renders} render${day.renders === 1 ? '' : 's'}, ${day.actions} action${day.actions === 1 ? '' : 's'}`;
    bar.append(title);
    svg.append(bar);
  });
  return svg;
}

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** The component view's panel: every version's usage, the shown one marked; Refresh reloads the numbers. */
export function createUsagePanel(load: (name: string) => Promise<ComponentDetail>) {
  const body = h('div', { class: 'usage-list' });
  const status = h('p', { class: 'text-error', role: 'status', hidden: true });
  const refresh = h('button', { type: 'button', class: 'button ghost small', title: 'Load the numbers again' }, 'Refresh');
  const element = h(
    'section',
    { class: 'panel usage-panel', 'aria-labelledby': 'usage-title', hidden: true },
    h('div', { class: 'panel-head' }, h('h2', { id: 'usage-title' }, 'Usage'), refresh),
    status,
    body,
  );
  let shown: { detail: ComponentDetail; version: string } | null = null;

  function show(detail: ComponentDetail, version: string) {
    shown = { detail, version };
    const versions = sortVersions(detail.versions as VersionWithUsage[]);
    element.hidden = !versions.some(hasUsage);
    if (element.hidden) return;
    status.hidden = true;
    replace(body, ...versions.map((v) => renderUsage(v, { current: v.version === version, label: v.unpublished ? `${v.version} (unpublished)` : v.version })));
  }

  refresh.addEventListener('click', async () => {
    if (!shown) return;
    const { detail, version } = shown;
    refresh.disabled = true;
    try {
      const fresh = await load(detail.name);
      if (shown?.detail === detail) show(fresh, version);
    } catch (error) {
      status.textContent = (error as Error).message;
      status.hidden = false;
    } finally {
      refresh.disabled = false;
    }
  });

  return { element, show };
}
