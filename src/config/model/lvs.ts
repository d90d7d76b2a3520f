// STUB — owned by the LVS/checker keywords engineer; replaced wholesale.
export interface LvsConfig {
  readonly virtualServers: readonly unknown[];
}
