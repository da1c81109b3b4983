import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryPath } from '../core/artifacts';

const exec = promisify(execFile);

/**
 * Pushes a small OCI image to the local registry: one layer holding `/VERSION` with `content` (so each content
 * has its own digest), built with `crane append --oci-empty-base`. Returns the digest. Pushing the same content
 * again gives the same digest; other content under the same tag moves the tag.
 */
export async function pushImage(
  craneBin: string,
  registryHostPort: string,
  repository: string,
  tag: string,
  content: string,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-agent-image-'));
  try {
    await writeFile(join(dir, 'VERSION'), `${content}\n`);
    // A fixed mtime keeps the layer (and so the digest) the same for the same content.
    await exec('tar', ['-cf', join(dir, 'layer.tar'), '--mtime=2026-01-01', '-C', dir, 'VERSION']);
    const ref = `${registryHostPort}/${repository}:${tag}`;
    await exec(craneBin, ['append', '-f', join(dir, 'layer.tar'), '-t', ref, '--oci-empty-base'], {
      timeout: 30_000,
    });
    const { stdout } = await exec(craneBin, ['digest', ref], { timeout: 30_000 });
    return stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The sample versions `npm run sandbox -- up` pushes for every service in the config (README, docs/delivery.md). */
export const SAMPLE_TAGS = ['1.4.2', '1.4.3', '2.0.0', 'latest'] as const;

/** Pushes SAMPLE_TAGS of each service's image repository; returns how many images were pushed. */
export async function seedSampleImages(
  craneBin: string,
  registryHostPort: string,
  images: readonly string[],
): Promise<number> {
  let n = 0;
  for (const image of images) {
    for (const tag of SAMPLE_TAGS) {
      await pushImage(craneBin, registryHostPort, repositoryPath(image), tag, `${image}:${tag}`);
      n++;
    }
  }
  return n;
}
