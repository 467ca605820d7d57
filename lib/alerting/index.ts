/** Alert shaping: pure functions from findings to email text, Slack Block Kit, Chatbot JSON and one SNS message. */
export { formatChatbot } from './chatbot';
export { type AlertContext, type AlertFinding, type AlertReason, DEFAULT_MAX_SHOWN } from './common';
export { emailSubject, formatEmail, snsSubject } from './email';
export { formatSlack, slackEscape } from './slack';
export { ALERT_SCHEMA, type AlertDocument, buildSnsMessage, SNS_MAX_MESSAGE_BYTES } from './sns';
