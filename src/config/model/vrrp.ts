// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
export interface VrrpConfig {
  readonly instances: readonly { readonly name: string }[];
}
