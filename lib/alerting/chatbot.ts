import {
  type AlertFinding,
  formatWindow,
  groupByDetection,
  highestSeverity,
  keyLine,
  reasonLabel,
  reasonSummary,
  SEVERITY_EMOJI,
  truncate,
} from './common';

/** Findings listed in a Chatbot notification description. */
export const CHATBOT_MAX_SHOWN = 10;
const MAX_DESCRIPTION = 3500;

export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: string[];
    readonly additionalContext: Record<string, string>;
  };
}

/**
 * AWS Chatbot (Amazon Q Developer in chat applications) custom notification: Chatbot renders
 * SNS messages of this shape in Slack / Teams / Chime; anything else it drops.
 */
export function formatChatbot(
  findings: readonly AlertFinding[],
  options: { maxShown?: number } = {},
): ChatbotNotification {
  if (findings.length === 0) throw new Error('formatChatbot: no findings to format');
  const maxShown = options.maxShown ?? CHATBOT_MAX_SHOWN;
  const groups = groupByDetection(findings);
  const severity = highestSeverity(findings);
  const first = groups[0]!;
  const title =
    groups.length === 1
      ? `${SEVERITY_EMOJI[severity]} FlowWatch ${severity.toUpperCase()}: ${first.title}`
      : `${SEVERITY_EMOJI[severity]} FlowWatch ${severity.toUpperCase()}: ${findings.length} findings from ${groups.length} detections`;
  const lines: string[] = [];
  for (const g of groups) {
    const summary = reasonSummary(g.findings);
    lines.push(
      `*${g.title}* (\`${g.detection}\`, ${g.severity.toUpperCase()})`,
      `Window: ${formatWindow(g.window)}`,
      `Findings: ${g.findings.length}${summary ? ` (${summary})` : ''}`,
    );
    for (const f of g.findings.slice(0, maxShown)) {
      const label = reasonLabel(f.alert);
      lines.push(`• ${keyLine(f)}${label ? ` _${label}_` : ''}`);
    }
    const more = g.findings.length - Math.min(maxShown, g.findings.length);
    if (more > 0) lines.push(`+${more} more`);
  }
  const resources = [...new Set(findings.flatMap((f) => Object.values(f.keys).map((v) => String(v ?? '-'))))];
  return {
    version: '1.0',
    source: 'custom',
    id: `${first.detection}-${first.window.end}`,
    content: {
      textType: 'client-markdown',
      title: truncate(title, 250),
      description: truncate(lines.join('\n'), MAX_DESCRIPTION),
      nextSteps: groups.flatMap((g) => [
        truncate(g.runbook.replace(/\s+/g, ' ').trim(), 500),
        `Run the Athena saved query \`${g.savedQuery}\` in the FlowWatch workgroup for this window.`,
      ]),
      keywords: [
        ...new Set([
          severity.toUpperCase(),
          ...groups.map((g) => g.detection),
          ...first.mitre.map((m) => m.technique),
        ]),
      ],
    },
    metadata: {
      threadId: groups.map((g) => g.detection).join('+'),
      summary: truncate(title.replace(/^:\w+: /, ''), 250),
      eventType: 'FlowWatchFinding',
      relatedResources: resources.slice(0, 20),
      additionalContext: {
        severity,
        windowStart: first.window.start,
        windowEnd: first.window.end,
        findings: String(findings.length),
      },
    },
  };
}
