/**
 * junit.xml: one testsuite, one testcase per check. A failed check carries its summary both in
 * the failure's message attribute and in its text (GitHub, GitLab and Jenkins each read one).
 * An inconclusive check is reported as skipped, a broken run as an error.
 */
import type { Summary } from './summary.ts';

const esc = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters; they are removed on purpose.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function renderJunit(s: Summary): string {
  const failures = s.checks.filter((c) => c.verdict === 'fail').length;
  const skipped = s.checks.filter((c) => c.verdict === 'inconclusive').length;
  const errors = s.checks.filter((c) => c.verdict === 'error').length + (s.runtimeErrors.length ? 1 : 0);
  const cases = s.checks.map((c) => {
    const evidence = [
      c.summary,
      '',
      ...Object.entries(c.counts).map(([k, v]) => `${k}: ${v}`),
      '',
      ...c.examples
        .slice(0, 20)
        .map(
          (e) =>
            `${e.category}: ${[e.client !== undefined ? `client ${e.client}` : '', e.user ?? '', e.chat ?? '', e.message ? `message ${e.message}` : '', e.seq !== undefined ? `seq ${e.seq}` : '', e.at !== undefined ? `at ${e.at}s` : ''].filter(Boolean).join(' ')} — ${e.detail}`,
        ),
    ].join('\n');
    const body =
      c.verdict === 'fail'
        ? `\n      <failure message="${esc(c.summary)}" type="${c.name}">${esc(evidence)}</failure>\n    `
        : c.verdict === 'inconclusive'
          ? `\n      <skipped message="${esc(`inconclusive: ${c.summary}`)}"/>\n    `
          : c.verdict === 'error'
            ? `\n      <error message="${esc(c.summary)}">${esc(evidence)}</error>\n    `
            : '';
    return `    <testcase classname="chatstorm.${esc(s.scenario.name)}" name="${c.name}" time="${s.durationSeconds.toFixed(3)}">${body}${body ? '' : ''}<system-out>${esc(evidence)}</system-out></testcase>`;
  });
  if (s.runtimeErrors.length) {
    const msg = s.runtimeErrors.map((e) => `${e.code}: ${e.message}`).join('\n');
    cases.push(
      `    <testcase classname="chatstorm.${esc(s.scenario.name)}" name="run" time="${s.durationSeconds.toFixed(3)}">\n      <error message="${esc(s.runtimeErrors[0].message)}" type="${esc(s.runtimeErrors[0].code)}">${esc(msg)}</error>\n    </testcase>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="chatstorm" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${s.durationSeconds.toFixed(3)}">
  <testsuite name="chatstorm ${esc(s.scenario.name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${s.durationSeconds.toFixed(3)}" timestamp="${s.startedAt}">
    <properties>
      <property name="runId" value="${esc(s.runId)}"/>
      <property name="verdict" value="${s.verdict}"/>
      <property name="seed" value="${s.seed}"/>
      <property name="clients" value="${s.clients}"/>
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
