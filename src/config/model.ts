/**
 * The resolved, immutable configuration: what keepalived's global_data, vrrp_data and
 * check_data hold after parsing and completion, with keepalived's defaults applied.
 */
import type { GlobalDefs } from './model/global.js';
import type { VrrpConfig } from './model/vrrp.js';
import type { LvsConfig } from './model/lvs.js';

export type { GlobalDefs, VrrpConfig, LvsConfig };

export interface KeepalivedConfig {
  /** Absolute path of the main configuration file. */
  readonly sourceFile: string;
  readonly global: GlobalDefs;
  readonly vrrp: VrrpConfig;
  readonly lvs: LvsConfig;
}
