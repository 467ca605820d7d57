// Placeholder until the CLI lands (lib/cli).
console.log('flowwatch');
