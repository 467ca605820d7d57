import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
// Not re-exported by cdk-nag's index; it is the function that names IAM5 findings.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/** Run the AwsSolutions pack on every synth of the app (errors fail the synth). */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * Acknowledge the cdk-nag IAM5 finding of one wildcard resource on the construct that owns the
 * policy, with the exact finding id cdk-nag computes (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/p/*]`).
 */
export function acknowledgeWildcardResource(owner: IConstruct, resource: string, reason: string): void {
  const flat = flattenCfnReference(Stack.of(owner).resolve(resource));
  if (!flat.includes('*'))
    throw new Error(`acknowledgeWildcardResource: '${flat}' has no wildcard to acknowledge`);
  Validations.of(owner).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** Same for a wildcard action such as `kms:GenerateDataKey*`. */
export function acknowledgeWildcardAction(owner: IConstruct, action: string, reason: string): void {
  Validations.of(owner).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason });
}
