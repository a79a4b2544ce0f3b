import type { ControlsView, EpochStatusView, JobsResponse, ModelView } from "@slabridge/status";

/** A status API view as its JSON body arrives: the handler writes every bigint as a decimal string. */
export type Json<T> = T extends bigint
  ? string
  : T extends readonly (infer Item)[]
    ? readonly Json<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: Json<T[Key]> }
      : T;

export type ModelJson = Json<ModelView>;
export type EpochJson = Json<EpochStatusView>;
export type JobsJson = Json<JobsResponse>;
export type ControlsJson = Json<ControlsView>;

/** `GET /health`. */
export interface HealthJson {
  readonly status: string;
  readonly stage: string;
  readonly homeChainId: number;
  readonly chains: readonly { readonly chainId: number; readonly name: string; readonly family: string }[];
  readonly time: string;
}
