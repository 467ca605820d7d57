import {
  type AlertFinding,
  type DetectionGroup,
  detailPairs,
  entityLabel,
  formatWindow,
  groupByDetection,
  highestSeverity,
  keyLine,
  reasonLabel,
  reasonSummary,
  SEVERITY_COLOUR,
  SEVERITY_EMOJI,
  truncate,
} from './common';

/** Slack limits: 50 blocks per message, 3000 chars per section text, 150 per header, 2000 per field. */
const MAX_BLOCKS = 50;
const MAX_SECTION = 3000;
const MAX_HEADER = 150;
const MAX_FIELD = 2000;
/** Findings listed per detection in Slack (a chat message is read at a glance). */
export const SLACK_MAX_SHOWN = 10;

/** Slack mrkdwn needs &, < and > escaped; everything else is shown as written. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type Block = Record<string, unknown>;

const mrkdwn = (text: string, max = MAX_SECTION) => ({ type: 'mrkdwn', text: truncate(text, max) });

function findingBlock(f: AlertFinding): Block {
  const label = reasonLabel(f.alert);
  const keys = Object.entries(f.keys)
    .map(([k, v]) => `*${slackEscape(k)}* \`${slackEscape(String(v ?? '-'))}\``)
    .join('  ');
  const details = detailPairs(f)
    .map(([k, v]) => `${slackEscape(k)}: ${slackEscape(v)}`)
    .join(' · ');
  const entity = entityLabel(f);
  return {
    type: 'section',
    text: mrkdwn(
      `${entity ? `*${slackEscape(entity)}*\n` : ''}${keys}${label ? `  _${slackEscape(label)}_` : ''}${details ? `\n${details}` : ''}`,
    ),
  };
}

function groupBlocks(g: DetectionGroup, maxShown: number): Block[] {
  const summary = reasonSummary(g.findings);
  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${g.severity.toUpperCase()}: ${g.title}`, MAX_HEADER),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Detection*\n\`${slackEscape(g.detection)}\``, MAX_FIELD),
        mrkdwn(`*Severity*\n${SEVERITY_EMOJI[g.severity]} ${g.severity.toUpperCase()}`, MAX_FIELD),
        mrkdwn(`*Window*\n${formatWindow(g.window)}`, MAX_FIELD),
        mrkdwn(`*Findings*\n${g.findings.length}${summary ? ` (${summary})` : ''}`, MAX_FIELD),
      ],
    },
    { type: 'divider' },
  ];
  const shown = g.findings.slice(0, maxShown);
  for (const f of shown) blocks.push(findingBlock(f));
  const more = g.findings.length - shown.length;
  if (more > 0)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`+${more} more not shown: run the saved query to see all of them.`)],
    });
  blocks.push({ type: 'section', text: mrkdwn(`*What to do*\n${slackEscape(g.runbook)}`) });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Saved query: \`${slackEscape(g.savedQuery)}\`${
          g.mitre.length > 0
            ? ` · MITRE ATT&amp;CK: ${g.mitre.map((m) => `${m.technique} ${slackEscape(m.name)}`).join(', ')}`
            : ''
        }`,
      ),
    ],
  });
  return blocks;
}

/**
 * Slack incoming-webhook payload: Block Kit blocks inside an attachment so the message carries
 * the severity colour bar, and a `text` fallback for notifications.
 */
export function formatSlack(
  findings: readonly AlertFinding[],
  options: { maxShown?: number } = {},
): {
  text: string;
  attachments: { color: string; blocks: Block[] }[];
} {
  if (findings.length === 0) throw new Error('formatSlack: no findings to format');
  const maxShown = options.maxShown ?? SLACK_MAX_SHOWN;
  const groups = groupByDetection(findings);
  const severity = highestSeverity(findings);
  let blocks = groups.flatMap((g) => groupBlocks(g, maxShown));
  if (blocks.length > MAX_BLOCKS) {
    // Only reachable with many detections in one message: keep the most severe ones whole.
    blocks = blocks.slice(0, MAX_BLOCKS - 1);
    blocks.push({ type: 'context', elements: [mrkdwn('More detections fired: see the email alert.')] });
  }
  const first = groups[0]!;
  const text =
    groups.length === 1
      ? `${SEVERITY_EMOJI[severity]} FlowWatch ${severity.toUpperCase()}: ${slackEscape(first.title)} (${findings.length} finding${findings.length === 1 ? '' : 's'}, e.g. ${slackEscape(keyLine(first.findings[0]!))})`
      : `${SEVERITY_EMOJI[severity]} FlowWatch ${severity.toUpperCase()}: ${findings.length} findings from ${groups.length} detections`;
  return { text, attachments: [{ color: SEVERITY_COLOUR[severity], blocks }] };
}
