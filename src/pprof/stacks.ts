/**
 * The two shapes that join profile sources, the pprof codec and the views:
 *
 *   StackProfile  what a foreign source hands over (Node's DevTools profiles, folded stacks,
 *                 speedscope, later the eBPF sampler): frames in a table, samples as stacks of
 *                 frame indexes. The codec turns one into a pprof Profile (`fromStacks`).
 *   StackSource   a read view over any decoded profile for the views (flame graph, tree): one
 *                 callback per sample, with a reused stack buffer, so a 1M-sample profile is
 *                 walked without an object per sample.
 *
 * Both list stacks leaf first, as pprof does.
 */

export interface ValueType {
  type: string
  unit: string
}

export interface Frame {
  /** Function name ('' when unknown; views show the address or '(anonymous)'). */
  name: string
  /** Source file or URL ('' when unknown). */
  file: string
  /** 1-based line; 0 when unknown. */
  line: number
  /** True for a frame inlined into the next one up the stack (pprof: a non-last Line of a Location). */
  inlined?: boolean
}

export interface StackSample {
  /** Indexes into StackProfile.frames, leaf first. */
  stack: number[]
  /** One value per sample type. */
  values: number[]
  labels?: Record<string, string | number>
}

export interface StackProfile {
  sampleTypes: ValueType[]
  /** The sample type a view shows first (pprof's default_sample_type); the last one when absent. */
  defaultSampleType?: string
  periodType?: ValueType
  period?: number
  timeNanos?: number
  durationNanos?: number
  frames: Frame[]
  samples: StackSample[]
}

export interface StackSource {
  readonly sampleTypes: readonly ValueType[]
  /** Index into sampleTypes a view starts with. */
  readonly defaultIndex: number
  readonly frameCount: number
  frame(index: number): Frame
  /**
   * Calls fn once per sample: stack[0..length) are frame indexes, leaf first (inlined frames
   * expanded); values has one entry per sample type. Both arrays are reused between calls: copy
   * what you keep.
   */
  forEachSample(fn: (stack: ArrayLike<number>, length: number, values: ArrayLike<number>) => void): void
}
