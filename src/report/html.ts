import { CATEGORY_TITLES, titleFor } from '../standard/catalog.js';
import { evidenceAdvice } from '../standard/evidence-forms.js';
import type { Checklist } from '../standard/checklist.js';
import { esc, page, safeLink, statusClass } from './html-page.js';
import { anchor, linkText, STATUS_LABEL, type ReportModel } from './model.js';

/** Plain symbols, not emoji: they render in every font, including a bare headless browser's. */
const STATUS_ICON: Record<string, string> = { Implemented: '✓', 'Partially Implemented': '◐', 'Not Implemented': '✗', 'N/A': '–', '': '○' };

const badge = (level: string) => `<span class="badge ${esc(level)}">${esc(level)}</span>`;
const statusBadge = (s: string) => `<span class="badge ${statusClass(s)}" data-status="${esc(s)}">${STATUS_ICON[s] ?? '!'} ${esc(STATUS_LABEL[s] ?? s)}</span>`;
const paragraphs = (s: string) => s.split(/\n{2,}/).map((p) => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`).join('');

export function renderChecklistHtml(c: Checklist): string {
  const all = c.categories.flatMap((x) => x.requirements);
  const must = all.filter((r) => r.level === 'MUST').length;
  const parts: string[] = [];
  parts.push(`<h1>Kubernetes AI Conformance Checklist — ${esc(c.version)}</h1>`);
  parts.push('<p class="muted">What a Kubernetes platform must (and should) provide to be certified for running AI and machine-learning workloads on this Kubernetes version.</p>');
  parts.push(`<div class="cards" id="overview"><div class="card"><div class="n" data-count="total">${all.length}</div><div class="l">requirements</div></div><div class="card"><div class="n MUST" data-count="MUST">${must}</div><div class="l">MUST</div></div><div class="card"><div class="n SHOULD" data-count="SHOULD">${all.length - must}</div><div class="l">SHOULD</div></div></div>`);
  parts.push('<nav><h2>Contents</h2><ul>');
  for (const cat of c.categories) {
    const t = CATEGORY_TITLES[cat.id] ?? cat.id;
    parts.push(`<li><a href="#${anchor(t)}">${esc(t)}</a> <span class="muted">(${cat.requirements.length})</span></li>`);
  }
  parts.push('</ul></nav>');
  let n = 0;
  for (const cat of c.categories) {
    const t = CATEGORY_TITLES[cat.id] ?? cat.id;
    parts.push(`<h2 id="${anchor(t)}">${esc(t)}</h2>`);
    for (const r of cat.requirements) {
      n++;
      parts.push(`<section class="req" data-id="${esc(r.id)}" data-level="${r.level}"><h3>${n}. ${esc(titleFor(r.id))} ${badge(r.level)}</h3><p><code>${esc(r.id)}</code></p>${r.description ? `<blockquote>${esc(r.description)}</blockquote>` : ''}`);
      parts.push(`<details><summary>Compliance fields</summary><table><tr><th>status</th><td><code>Implemented</code> · <code>Partially Implemented</code> · <code>Not Implemented</code> · <code>N/A</code>${r.level === 'MUST' ? ' — a MUST must be <code>Implemented</code>' : ''}</td></tr><tr><th>evidence</th><td>${esc(evidenceAdvice(c.version)).replace(/`([^`]+)`/g, '<code>$1</code>')}</td></tr><tr><th>notes</th><td>How the platform meets it; required when <code>N/A</code></td></tr></table></details></section>`);
    }
  }
  parts.push(`<h2 id="submitting">Submitting</h2><ol><li><code>kaic init --version ${esc(c.version)} -o PRODUCT.yaml</code></li><li>Fill in metadata and each requirement's status, evidence and notes.</li><li><code>kaic run --version ${esc(c.version)}</code> proves automatable requirements and writes test artifacts.</li><li><code>kaic validate PRODUCT.yaml</code></li><li>Open a pull request adding <code>${esc(c.version)}/&lt;product&gt;/PRODUCT.yaml</code> to the CNCF AI conformance repository.</li></ol>`);
  return page(`AI Conformance Checklist ${c.version}`, parts.join('\n'));
}

export function renderReportHtml(m: ReportModel): string {
  const parts: string[] = [];
  parts.push(`<h1>${esc(m.title)} <span class="muted">— AI Conformance Report (${esc(m.version)})</span></h1>`);
  if (m.description) parts.push(`<blockquote>${esc(m.description)}</blockquote>`);
  parts.push('<table id="platform">');
  for (const p of m.platform) parts.push(`<tr><th>${esc(p.label)}</th><td>${p.link ? safeLink(p.value, linkText(p.value)) : esc(p.value)}</td></tr>`);
  parts.push('</table>');
  parts.push('<h2>Compliance Summary</h2><div class="cards" id="summary">');
  for (const c of m.counts) parts.push(`<div class="card" data-status="${esc(c.status)}"><div class="n ${statusClass(c.status)}" data-count>${c.count}</div><div class="l">${STATUS_ICON[c.status] ?? '!'} ${esc(STATUS_LABEL[c.status] ?? c.status)}</div></div>`);
  parts.push(`<div class="card" data-status="total"><div class="n" data-count>${m.total}</div><div class="l">Total</div></div></div>`);
  parts.push(`<p><strong>MUST:</strong> <span id="must-implemented">${m.must.implemented}</span> of <span id="must-total">${m.must.total}</span> Implemented · <strong>SHOULD:</strong> ${m.should.implemented} of ${m.should.total} Implemented</p>`);
  if (m.findings) parts.push(`<p><strong>Validation:</strong> <span id="findings-errors">${m.findings.errors}</span> error(s), <span id="findings-warnings">${m.findings.warnings}</span> warning(s) from <code>kaic validate --offline</code>.</p>`);
  parts.push('<h2>Requirements at a Glance</h2><table id="glance"><thead><tr><th>Category</th><th>Requirement</th><th>Level</th><th>Status</th></tr></thead><tbody>');
  for (const r of m.rows) parts.push(`<tr data-id="${esc(r.id)}"><td>${esc(r.categoryTitle)}</td><td><a href="#req-${esc(r.id)}">${esc(r.title)}</a></td><td>${badge(r.level)}</td><td>${statusBadge(r.status)}</td></tr>`);
  parts.push('</tbody></table><h2>Details</h2>');
  let cat = '';
  for (const r of m.rows) {
    if (r.category !== cat) {
      cat = r.category;
      parts.push(`<h3>${esc(r.categoryTitle)}</h3>`);
    }
    const ev = r.evidence.length ? `<ul>${r.evidence.map((e) => `<li>${safeLink(e, linkText(e))}</li>`).join('')}</ul>` : '<p class="muted">No evidence given.</p>';
    parts.push(`<section class="req" id="req-${esc(r.id)}"><h4>${esc(r.title)} ${badge(r.level)} ${statusBadge(r.status)}</h4><p><code>${esc(r.id)}</code></p>${r.description ? `<details><summary>Requirement text</summary><blockquote>${esc(r.description)}</blockquote></details>` : ''}<strong>Evidence</strong>${ev}${r.notes ? `<strong>Notes</strong>${paragraphs(r.notes)}` : ''}</section>`);
  }
  if (m.findings && m.findings.items.length) {
    parts.push('<h2>Validation Findings</h2><table id="findings"><thead><tr><th>Line</th><th>Severity</th><th>Rule</th><th>Message</th></tr></thead><tbody>');
    for (const d of m.findings.items) parts.push(`<tr><td>${d.line}</td><td>${esc(d.severity)}</td><td><code>${esc(d.code)}</code></td><td>${esc(d.message)}</td></tr>`);
    parts.push('</tbody></table>');
  }
  return page(`${m.title} — AI Conformance ${m.version}`, parts.join('\n'));
}
