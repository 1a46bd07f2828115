/** JUnit XML (the Jenkins/Surefire junit-10.xsd dialect GitLab, Jenkins and most CI test tabs read):
 * one testcase per benchmark; a regression is a <failure>, an inconclusive result is <skipped> (CI
 * shows it without failing the test tab; the exit code 3 still tells the job). */
import type {BenchReport} from '../bench/report.js'
import {armCell, formatP, formatRatio, ruleLine} from './bench-format.js'

function esc(text: string): string {
  // XML 1.0 forbids most control characters even escaped: drop them.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

function seconds(ns: number): string {
  return (ns / 1e9).toFixed(3)
}

export function benchJunit(report: BenchReport): string {
  const cases: string[] = []
  let failures = 0
  let skipped = 0
  let totalNs = 0
  if (report.mode === 'run') {
    for (const arm of report.arms) {
      const ns = report.unit === 'ns' ? arm.samples.reduce((a, b) => a + b, 0) : 0
      totalNs += ns
      cases.push(`    <testcase classname="monitor.bench" name="${esc(arm.command)}" time="${seconds(ns)}">\n      <system-out>${esc(armCell(report, arm))}</system-out>\n    </testcase>`)
    }
  } else {
    for (const c of report.comparisons) {
      const ns = report.unit === 'ns' ? [...c.baseline.samples, ...c.candidate.samples].reduce((a, b) => a + b, 0) : 0
      totalNs += ns
      const summary = `ratio ${formatRatio(c.ratio)} [95% CI ${formatRatio(c.ratioCi[0])}, ${formatRatio(c.ratioCi[1])}], p (Holm) ${formatP(c.pAdjusted)}; baseline ${armCell(report, c.baseline)}, candidate ${armCell(report, c.candidate)}`
      let body = ''
      if (c.verdict === 'regression') {
        failures++
        body = `      <failure type="regression" message="${esc(`${formatRatio(c.ratio)}x slower: ${summary}`)}">${esc(ruleLine(report))}</failure>\n`
      } else if (c.verdict === 'inconclusive') {
        skipped++
        body = `      <skipped message="${esc(`inconclusive (more runs needed): ${summary}`)}"/>\n`
      }
      cases.push(`    <testcase classname="monitor.bench" name="${esc(c.name)}" time="${seconds(ns)}">\n${body}      <system-out>${esc(summary)}</system-out>\n    </testcase>`)
    }
  }
  const tests = cases.length
  const e = report.environment
  const props = [
    ['measure', report.measure],
    ['cpu', e.cpuModel],
    ['cores', String(e.cores)],
    ['kernel', e.kernel],
    ['loadavg', e.loadavg.join(' ')],
    ['threshold', String(report.settings.threshold)],
    ['alpha', String(report.settings.alpha)],
    ['seed', String(report.settings.seed)],
  ]
    .map(([name, value]) => `      <property name="${esc(name)}" value="${esc(value)}"/>`)
    .join('\n')
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="monitor bench" tests="${tests}" failures="${failures}" errors="0" time="${seconds(totalNs)}">`,
    `  <testsuite name="monitor bench ${report.mode}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(totalNs)}" timestamp="${esc(e.ts)}" hostname="${esc(e.hostname)}">`,
    `    <properties>\n${props}\n    </properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
