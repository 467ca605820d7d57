// Keep esbuild out of infra unit tests (CDK maintainers' advice); the bundling test opts back in.
// Tests must never reach real AWS: fake credentials and a region are set for every SDK client.
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
