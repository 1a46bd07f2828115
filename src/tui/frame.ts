/** The contract between a live table and whatever feeds it: what to draw (a frame) for which view
 * (size, filter, scroll). The feeder formats; the table only draws. */
export interface TableFrameRequest {
  width: number
  /** Lines available for rows (the header and footer are extra). */
  height: number
  filter: string
  /** Rows skipped from the top (newest). */
  scroll: number
  /** Keep showing what was there when freezing began (paused, or scrolled away from the top). */
  frozen: boolean
  utc: boolean
  /** Sort key and table choice (keys.ts), for views that have them. */
  sort?: number
  view?: number
}

export interface TableRowView {
  key: string
  cells: {text: string; color?: string}[]
  /** The whole line: equal lines need no redraw. */
  line: string
}

export interface TableFrame {
  header: string
  rows: TableRowView[]
  /** Rows matching the filter, and the index of the first one shown. */
  total: number
  first: number
  /** The tool's counters ("12 runs, 3 running") and the losses. */
  status: string
  lost: string
  anyLost: boolean
  /** Oldest rows dropped to bound memory. */
  dropped: number
  /** Keys of this view beyond the common ones, for the footer ("< > sort · tab view"). */
  hint?: string
}

/** `version()` is cheap and changes only when a new frame could differ; `frame()` builds one. */
export interface TableSource {
  version(): number
  frame(request: TableFrameRequest): TableFrame
}
