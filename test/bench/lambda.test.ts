import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleLambda, CDK_BUNDLING, coldImportMs, lambdaEntries, lambdaEnv } from '../../bench/lambda';

describe('lambda bundle measurement', () => {
  let dir: string;
  beforeAll(() => {
    // Under the project so esbuild resolves @aws-sdk from its node_modules.
    mkdirSync(join(process.cwd(), '.cache'), { recursive: true });
    dir = mkdtempSync(join(process.cwd(), '.cache', 'fw-bench-lambda-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds one entry per lambdas/<name>/handler.ts', () => {
    // GIVEN a project with two functions and a folder without a handler
    for (const n of ['b-fn', 'a-fn', 'no-handler']) mkdirSync(join(dir, 'lambdas', n), { recursive: true });
    writeFileSync(join(dir, 'lambdas', 'a-fn', 'handler.ts'), 'export const handler = async () => 1;\n');
    writeFileSync(join(dir, 'lambdas', 'b-fn', 'handler.ts'), 'export const handler = async () => 2;\n');
    // THEN both functions are listed in name order
    expect(lambdaEntries(dir).map((e) => e.name)).toEqual(['a-fn', 'b-fn']);
  });

  it('bundles minified without counting the source map, keeps @aws-sdk external, and imports it cold', async () => {
    // GIVEN a handler importing an @aws-sdk package
    const entry = join(dir, 'sdk-handler.ts');
    writeFileSync(
      entry,
      "import { SNSClient } from '@aws-sdk/client-sns';\nexport const handler = async () => new SNSClient({}).config.region;\n",
    );
    // WHEN bundled the CDK way and self-contained
    const external = await bundleLambda(entry, join(dir, 'ext', 'index.js'), CDK_BUNDLING);
    const self = await bundleLambda(entry, join(dir, 'self', 'index.js'), { ...CDK_BUNDLING, external: [] });
    // THEN the external bundle is far smaller than one carrying the SDK
    expect(external * 10).toBeLessThan(self);
    // AND it loads in a fresh node process that resolves the SDK from the project
    const ms = coldImportMs(join(dir, 'ext', 'index.js'), lambdaEnv(process.cwd()));
    expect(ms).toBeGreaterThan(0);
  });

  it('names the bundle when importing it fails', () => {
    const bad = join(dir, 'bad.js');
    writeFileSync(bad, "throw new Error('boom at import');\n");
    expect(() => coldImportMs(bad, lambdaEnv(process.cwd()))).toThrow(/bad\.js failed: .*boom at import/s);
  });
});
