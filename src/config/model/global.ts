// STUB — owned by the global/VRRP keywords engineer; replaced wholesale.
export interface GlobalDefs {
  readonly routerId: string;
}
