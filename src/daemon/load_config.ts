/**
 * Shell: builds the parse environment from the real host and parses a configuration.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseConfig, type ParseResult } from '../config/parse.js';
import type { ParseEnvironment } from '../config/draft.js';
import type { Random } from '../config/file_source.js';
import { NodeFileSource } from './node_file_source.js';
import { createNodeHostFacts } from './host_facts_node.js';

/** keepalived's default config-id: the host name up to the first '.'. */
export function defaultConfigId(name: string = hostname()): string {
  const dot = name.indexOf('.');
  return dot >= 0 ? name.slice(0, dot) : name;
}

/** ${_RANDOM}: keepalived uses random(); any uniform source will do here. */
export const systemRandom: Random = {
  intBetween(min: number, max: number): number {
    return min + Math.floor(Math.random() * (max - min + 1));
  },
};

export interface LoadConfigOptions {
  readonly file: string;
  readonly configId?: string | undefined;
  readonly allConfig?: boolean;
}

export function loadConfig(options: LoadConfigOptions): ParseResult {
  const host = createNodeHostFacts();
  const env: ParseEnvironment = {
    host,
    random: systemRandom,
    configId: options.configId ?? defaultConfigId(host.hostname),
    env: process.env,
  };
  return parseConfig(resolve(options.file), new NodeFileSource(), env, {
    allConfig: options.allConfig ?? false,
  });
}
