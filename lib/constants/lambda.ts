/**
 * Modules left out of every Lambda bundle. The Node.js 24 runtime ships the AWS SDK v3 service
 * clients; bundling them would only add size and cold start. Other @aws-sdk packages
 * (credential-providers, which the inventory Lambda uses to assume member roles) are not
 * documented as part of the runtime, so they are bundled.
 */
export const LAMBDA_EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/client-*'];
