/** Shared pieces of kaic's self-contained HTML pages: no network, no external fonts or scripts. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Only http(s) links become anchors; anything else is shown as code. */
export const safeLink = (url: string, text: string) => (/^https?:\/\//i.test(url) ? `<a href="${esc(url)}" rel="noopener noreferrer">${esc(text)}</a>` : `<code>${esc(url)}</code>`);

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--na:#6e7781;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--card:#161b22;--line:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--na:#8d96a0;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.4em 0}h2{font-size:1.25rem;margin-top:1.6em;border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1.1rem}
a{color:var(--accent)}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--card);padding:1px 4px;border-radius:4px;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.6em 0;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:6px 9px;text-align:left;vertical-align:top}th{background:var(--card)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;margin:1em 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px}.card .n{font-size:1.6rem;font-weight:700}.card .l{color:var(--muted);font-size:.85rem}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;font-weight:600;border:1px solid currentColor;white-space:nowrap}
.MUST{color:var(--bad)}.SHOULD{color:var(--warn)}
.s-Implemented{color:var(--ok)}.s-Partially{color:var(--warn)}.s-Not{color:var(--bad)}.s-NA{color:var(--na)}.s-none{color:var(--na)}.s-other{color:var(--bad)}
blockquote{margin:.5em 0;padding:.2em 1em;border-left:4px solid var(--line);color:var(--muted)}
details{margin:.4em 0}.req{border:1px solid var(--line);border-radius:8px;padding:4px 14px;margin:10px 0}
.muted{color:var(--muted)}ul{padding-left:1.3em}
@media (max-width:600px){body{font-size:14px}main{padding:10px}th,td{padding:4px 6px}}
@media print{:root{--fg:#000;--bg:#fff;--card:#fff}a{color:#000;text-decoration:none}a[href^="http"]::after{content:" (" attr(href) ")";font-size:.8em;word-break:break-all}.req,table,tr{break-inside:avoid}details{display:block}details>*{display:block}nav{display:none}}
`;

export function page(title: string, body: string, extraHead = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${CSS}</style>${extraHead}
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

/** A CSS class for a status value. */
export function statusClass(status: string): string {
  if (status === 'Implemented') return 's-Implemented';
  if (status === 'Partially Implemented') return 's-Partially';
  if (status === 'Not Implemented') return 's-Not';
  if (status === 'N/A') return 's-NA';
  return status === '' ? 's-none' : 's-other';
}
