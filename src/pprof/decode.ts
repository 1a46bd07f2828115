/**
 * A hand-rolled profile.proto decoder over one Uint8Array. Why not pprof-format (the npm codec):
 * it builds an object per sample and per value, returns int64 as a mix of numbers and BigInts, and
 * reads negative values (diff profiles) as huge unsigned ones; it decodes ~8 MB/s. This one keeps
 * samples in typed arrays, decodes strings only when asked, reads int64 as signed doubles, and
 * checks every length against the buffer so corrupt input is one error, never a crash or a hang
 * (bench/pprof has the figures and the fuzz run).
 */
import {gunzipSync} from 'node:zlib'

import {ExitCode, MonitorError} from '../errors.js'
import {Growable} from './growable.js'
import type {Label, Mapping, Profile, Strings} from './profile.js'
import type {ValueType} from './stacks.js'

export class ProfileFormatError extends MonitorError {
  constructor(message: string) {
    super(message, {exitCode: ExitCode.dataError})
  }
}

const TWO32 = 4294967296

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** Gunzips when the bytes are gzip; raw protobuf otherwise. */
export function decodeProfile(bytes: Uint8Array): Profile {
  if (bytes.length === 0) throw new ProfileFormatError('empty profile (0 bytes)')
  let raw = bytes
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes)
    } catch (error) {
      throw new ProfileFormatError(`corrupt or truncated gzip: ${(error as Error).message}`)
    }
    if (raw.length === 0) throw new ProfileFormatError('empty profile (gzip of 0 bytes)')
  }
  return new Decoder(raw).profile()
}

class LazyStrings implements Strings {
  readonly #buf: Uint8Array
  readonly #start: Uint32Array
  readonly #end: Uint32Array
  readonly #cache: (string | undefined)[]
  readonly #decoder = new TextDecoder()

  constructor(buf: Uint8Array, start: Uint32Array, end: Uint32Array) {
    this.#buf = buf
    this.#start = start
    this.#end = end
    this.#cache = new Array(start.length)
  }

  get size(): number {
    return this.#start.length
  }

  get(index: number): string {
    let s = this.#cache[index]
    if (s === undefined) {
      if (index < 0 || index >= this.#start.length) return ''
      const a = this.#start[index]
      const b = this.#end[index]
      s = ''
      let ascii = b - a <= 64
      for (let i = a; ascii && i < b; i++) {
        const c = this.#buf[i]
        if (c >= 0x80) ascii = false
        else s += String.fromCharCode(c)
      }
      if (!ascii) s = this.#decoder.decode(this.#buf.subarray(a, b))
      this.#cache[index] = s
    }
    return s
  }
}

class Decoder {
  readonly buf: Uint8Array
  pos = 0

  constructor(buf: Uint8Array) {
    this.buf = buf
  }

  fail(what: string): never {
    throw new ProfileFormatError(`not a valid pprof profile: ${what} at byte ${this.pos}`)
  }

  /** An unsigned varint as a double (exact below 2^53). */
  varint(): number {
    const buf = this.buf
    let b = buf[this.pos++]
    if (b < 0x80) return b
    let lo = b & 0x7f
    let shift = 7
    while (shift < 28) {
      b = buf[this.pos++]
      if (b === undefined) this.fail('truncated varint')
      lo |= (b & 0x7f) << shift
      if (b < 0x80) return lo
      shift += 7
    }
    // Beyond 28 bits: the rest in a double.
    let value = lo
    let mul = 268435456 // 2^28
    for (let i = 0; i < 6; i++) {
      b = buf[this.pos++]
      if (b === undefined) this.fail('truncated varint')
      value += (b & 0x7f) * mul
      if (b < 0x80) return value
      mul *= 128
    }
    this.fail('varint longer than 10 bytes')
  }

  /** An int64 varint as a signed double (two's complement above 2^63). */
  int64(): number {
    const start = this.pos
    const buf = this.buf
    const b0 = buf[start]
    if (b0 !== undefined && b0 < 0x80) {
      this.pos++
      return b0
    }
    let lo = 0
    let hi = 0
    let i = 0
    for (; i < 10; i++) {
      const b = buf[this.pos++]
      if (b === undefined) this.fail('truncated varint')
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi |= (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if (b < 0x80) break
    }
    if (i === 10) this.fail('varint longer than 10 bytes')
    if (hi & 0x80000000) {
      // Negative: -(~value + 1), computed in two 32-bit halves.
      const nlo = (~lo + 1) >>> 0
      const nhi = (~hi + (nlo === 0 ? 1 : 0)) >>> 0
      return -(nhi * TWO32 + nlo)
    }
    return (hi >>> 0) * TWO32 + (lo >>> 0)
  }

  /** End offset of a length-delimited field whose length comes next. */
  lengthEnd(limit: number): number {
    const len = this.varint()
    const end = this.pos + len
    if (end > limit) this.fail('length past the end of the data')
    return end
  }

  skip(wire: number, limit: number): void {
    switch (wire) {
      case 0:
        this.varint()
        break
      case 1:
        this.pos += 8
        break
      case 2:
        this.pos = this.lengthEnd(limit)
        break
      case 5:
        this.pos += 4
        break
      default:
        this.fail(`unknown wire type ${wire}`)
    }
    if (this.pos > limit) this.fail('field past the end of the data')
  }

  /** Repeated numeric field, packed (wire 2) or not (wire 0). */
  repeated(wire: number, limit: number, push: (v: number) => void, signed: boolean): void {
    if (wire === 0) {
      push(signed ? this.int64() : this.varint())
      return
    }
    if (wire !== 2) this.fail('bad wire type for a repeated number')
    const end = this.lengthEnd(limit)
    while (this.pos < end) push(signed ? this.int64() : this.varint())
    if (this.pos !== end) this.fail('packed field overruns its length')
  }

  /**
   * Counts samples and sample types, and bounds the number of location ids (each takes at least a
   * byte of its sample's packed field), reading only field headers. Leaves pos at 0.
   */
  skim(): {samples: number; sampleTypes: number; locationBytes: number; locations: number; functions: number; strings: number} {
    const buf = this.buf
    const limit = buf.length
    let locations = 0
    let functions = 0
    let strings = 0
    let samples = 0
    let sampleTypes = 0
    let locationBytes = 0
    try {
      while (this.pos < limit) {
        const tag = this.varint()
        const wire = tag & 7
        if (wire !== 2) {
          this.skip(wire, limit)
          continue
        }
        const end = this.lengthEnd(limit)
        const field = tag >>> 3
        if (field === 2) {
          samples++
          if (buf[this.pos] === 0x0a) {
            this.pos++
            locationBytes += this.varint()
          } else locationBytes += end - this.pos
        } else if (field === 1) sampleTypes++
        else if (field === 4) locations++
        else if (field === 5) functions++
        else if (field === 6) strings++
        this.pos = end
      }
    } catch {
      // Corrupt: the real pass reports where; these are only sizes.
    }
    this.pos = 0
    return {samples, sampleTypes, locationBytes: Math.min(locationBytes, limit), locations, functions, strings}
  }

  profile(): Profile {
    const buf = this.buf
    const limit = buf.length
    const sampleTypes: [number, number][] = []
    let periodType: [number, number] | undefined
    let period = 0
    let timeNanos = 0
    let durationNanos = 0
    let dropFrames = 0
    let keepFrames = 0
    let defaultSampleType = 0
    const comments: number[] = []
    const mappingsRaw: (Omit<Mapping, 'file' | 'buildId'> & {file: number; buildId: number})[] = []

    // Sized from a skim of the message, so these never grow (no copies of a 1M-sample profile).
    const sizes = this.skim()
    const strStart = new Growable(Uint32Array, sizes.strings + 1)
    const strEnd = new Growable(Uint32Array, sizes.strings + 1)

    // (Each value takes at least a byte: a corrupt skim cannot ask for more than the input's size.)
    const values = new Growable(Float64Array, Math.max(64, Math.min(sizes.samples * sizes.sampleTypes, buf.length)))
    const locStart = new Growable(Uint32Array, sizes.samples + 2)
    const locs = new Growable(Uint32Array, Math.max(64, sizes.locationBytes))
    let valuesPerSample = -1
    let sampleCount = 0
    let labels: Label[][] | undefined
    const rawLabels: [number, number, number, number, number][][] = [] // per sample with labels: key,str,num,numUnit,sampleIndex

    const locationId = new Growable(Float64Array, sizes.locations + 2)
    const locationMapping = new Growable(Float64Array, sizes.locations + 2)
    const locationAddress = new Growable(Float64Array, sizes.locations + 2)
    const locationFolded = new Growable(Uint8Array, sizes.locations + 2)
    const lineStart = new Growable(Uint32Array, sizes.locations + 2)
    const lineFunction = new Growable(Float64Array, sizes.locations + 16)
    const lineNumber = new Growable(Float64Array, sizes.locations + 16)

    const functionId = new Growable(Float64Array, sizes.functions + 1)
    const functionName = new Growable(Uint32Array, sizes.functions + 1)
    const functionSystemName = new Growable(Uint32Array, sizes.functions + 1)
    const functionFile = new Growable(Uint32Array, sizes.functions + 1)
    const functionStartLine = new Growable(Float64Array, sizes.functions + 1)

    const valueType = (end: number): [number, number] => {
      let type = 0
      let unit = 0
      while (this.pos < end) {
        const tag = this.varint()
        const field = tag >>> 3
        if (field === 1 && (tag & 7) === 0) type = this.varint()
        else if (field === 2 && (tag & 7) === 0) unit = this.varint()
        else this.skip(tag & 7, end)
      }
      return [type, unit]
    }

    while (this.pos < limit) {
      const tag = this.varint()
      const field = tag >>> 3
      const wire = tag & 7
      if (field === 0) this.fail('field number 0')
      switch (field) {
        case 2: {
          if (wire !== 2) this.fail('bad wire type for a sample')
          const end = this.lengthEnd(limit)
          locStart.push(locs.length)
          const valuesBefore = values.length
          let sampleLabels: [number, number, number, number, number][] | undefined
          while (this.pos < end) {
            const t = buf[this.pos]
            if (t === 0x0a) {
              // location_id, packed: the hot loop, with 1- and 2-byte ids inlined and written
              // straight into the array (room for one id per byte reserved first).
              this.pos++
              const e = this.lengthEnd(end)
              if (locs.length + (e - this.pos) > locs.array.length) locs.grow(locs.length + (e - this.pos))
              const arr = locs.array
              let n = locs.length
              let pos = this.pos
              while (pos < e) {
                const b = buf[pos++]
                if (b < 0x80) {
                  arr[n++] = b
                  continue
                }
                const b2 = buf[pos]
                if (b2 < 0x80) {
                  arr[n++] = (b & 0x7f) | (b2 << 7)
                  pos++
                  continue
                }
                this.pos = pos - 1
                const v = this.varint()
                if (v >= TWO32) this.fail('location id above 2^32 (not supported)')
                arr[n++] = v
                pos = this.pos
              }
              this.pos = pos
              locs.length = n
              if (pos !== e) this.fail('packed field overruns its length')
            } else if (t === 0x12) {
              this.pos++
              const e = this.lengthEnd(end)
              // (Sized by count, not bytes: a multi-byte value would over-reserve and force a copy.)
              let arr = values.array
              let n = values.length
              while (this.pos < e) {
                if (n === arr.length) {
                  values.length = n
                  values.grow(n + 1)
                  arr = values.array
                }
                const b = buf[this.pos]
                if (b < 0x80) {
                  arr[n++] = b
                  this.pos++
                } else arr[n++] = this.int64()
              }
              values.length = n
              if (this.pos !== e) this.fail('packed field overruns its length')
            } else {
              const tg = this.varint()
              const f = tg >>> 3
              const w = tg & 7
              if (f === 1) this.repeated(w, end, (v) => {
                if (v >= TWO32) this.fail('location id above 2^32 (not supported)')
                locs.push(v)
              }, false)
              else if (f === 2) this.repeated(w, end, (v) => values.push(v), true)
              else if (f === 3 && w === 2) {
                const le = this.lengthEnd(end)
                const l: [number, number, number, number, number] = [0, 0, 0, 0, sampleCount]
                while (this.pos < le) {
                  const lt = this.varint()
                  const lf = lt >>> 3
                  if (lf >= 1 && lf <= 4 && (lt & 7) === 0) l[lf - 1] = lf === 3 ? this.int64() : this.varint()
                  else this.skip(lt & 7, le)
                }
                ;(sampleLabels ??= []).push(l)
              } else this.skip(w, end)
            }
          }
          if (this.pos !== end) this.fail('sample overruns its length')
          const n = values.length - valuesBefore
          if (valuesPerSample < 0) valuesPerSample = n
          else if (n !== valuesPerSample) this.fail(`sample ${sampleCount} has ${n} values, the first had ${valuesPerSample}`)
          if (sampleLabels) rawLabels.push(sampleLabels)
          sampleCount++
          break
        }
        case 4: {
          if (wire !== 2) this.fail('bad wire type for a location')
          const end = this.lengthEnd(limit)
          let id = 0
          let mapping = 0
          let address = 0
          let folded = 0
          lineStart.push(lineFunction.length)
          while (this.pos < end) {
            const t = this.varint()
            const f = t >>> 3
            const w = t & 7
            if (f === 1 && w === 0) id = this.varint()
            else if (f === 2 && w === 0) mapping = this.varint()
            else if (f === 3 && w === 0) address = this.varint()
            else if (f === 5 && w === 0) folded = this.varint() ? 1 : 0
            else if (f === 4 && w === 2) {
              const le = this.lengthEnd(end)
              let fn = 0
              let line = 0
              while (this.pos < le) {
                const lt = this.varint()
                if (lt === 0x08) fn = this.varint()
                else if (lt === 0x10) line = this.int64()
                else this.skip(lt & 7, le)
              }
              lineFunction.push(fn)
              lineNumber.push(line)
            } else this.skip(w, end)
          }
          if (this.pos !== end) this.fail('location overruns its length')
          if (id === 0) this.fail('location with id 0')
          locationId.push(id)
          locationMapping.push(mapping)
          locationAddress.push(address)
          locationFolded.push(folded)
          break
        }
        case 5: {
          if (wire !== 2) this.fail('bad wire type for a function')
          const end = this.lengthEnd(limit)
          let id = 0
          let name = 0
          let system = 0
          let file = 0
          let startLine = 0
          while (this.pos < end) {
            const t = this.varint()
            const f = t >>> 3
            const w = t & 7
            if (w !== 0) this.skip(w, end)
            else if (f === 1) id = this.varint()
            else if (f === 2) name = this.varint()
            else if (f === 3) system = this.varint()
            else if (f === 4) file = this.varint()
            else if (f === 5) startLine = this.int64()
            else this.skip(w, end)
          }
          if (this.pos !== end) this.fail('function overruns its length')
          if (id === 0) this.fail('function with id 0')
          functionId.push(id)
          functionName.push(name)
          functionSystemName.push(system)
          functionFile.push(file)
          functionStartLine.push(startLine)
          break
        }
        case 6: {
          if (wire !== 2) this.fail('bad wire type for a string')
          const end = this.lengthEnd(limit)
          strStart.push(this.pos)
          strEnd.push(end)
          this.pos = end
          break
        }
        case 1:
          if (wire !== 2) this.fail('bad wire type for a sample type')
          sampleTypes.push(valueType(this.lengthEnd(limit)))
          break
        case 11:
          if (wire !== 2) this.fail('bad wire type for the period type')
          periodType = valueType(this.lengthEnd(limit))
          break
        case 3: {
          if (wire !== 2) this.fail('bad wire type for a mapping')
          const end = this.lengthEnd(limit)
          const m = {id: 0, memoryStart: 0, memoryLimit: 0, fileOffset: 0, file: 0, buildId: 0, hasFunctions: false, hasFilenames: false, hasLineNumbers: false, hasInlineFrames: false}
          while (this.pos < end) {
            const t = this.varint()
            const f = t >>> 3
            if ((t & 7) !== 0) {
              this.skip(t & 7, end)
              continue
            }
            const v = this.varint()
            if (f === 1) m.id = v
            else if (f === 2) m.memoryStart = v
            else if (f === 3) m.memoryLimit = v
            else if (f === 4) m.fileOffset = v
            else if (f === 5) m.file = v
            else if (f === 6) m.buildId = v
            else if (f === 7) m.hasFunctions = v !== 0
            else if (f === 8) m.hasFilenames = v !== 0
            else if (f === 9) m.hasLineNumbers = v !== 0
            else if (f === 10) m.hasInlineFrames = v !== 0
          }
          if (this.pos !== end) this.fail('mapping overruns its length')
          if (m.id === 0) this.fail('mapping with id 0')
          mappingsRaw.push(m)
          break
        }
        case 7:
        case 8:
        case 9:
        case 10:
        case 12:
        case 14: {
          if (wire !== 0) {
            this.skip(wire, limit)
            break
          }
          const v = this.int64()
          if (field === 7) dropFrames = v
          else if (field === 8) keepFrames = v
          else if (field === 9) timeNanos = v
          else if (field === 10) durationNanos = v
          else if (field === 12) period = v
          else defaultSampleType = v
          break
        }
        case 13:
          this.repeated(wire, limit, (v) => comments.push(v), false)
          break
        default:
          this.skip(wire, limit)
      }
    }
    if (this.pos !== limit) this.fail('field past the end of the data')
    locStart.push(locs.length)
    lineStart.push(lineFunction.length)

    const stringCount = strStart.length
    if (stringCount === 0) this.fail('no string table')
    if (strEnd.array[0] !== strStart.array[0]) this.fail('string_table[0] is not empty')
    const strings = new LazyStrings(buf, strStart.done(), strEnd.done())
    const str = (i: number, what: string): number => {
      if (i < 0 || i >= stringCount || !Number.isInteger(i)) this.fail(`${what} names string ${i} of ${stringCount}`)
      return i
    }
    const vt = ([t, u]: [number, number]): ValueType => ({type: strings.get(str(t, 'a value type')), unit: strings.get(str(u, 'a value type'))})

    if (sampleTypes.length === 0 && sampleCount > 0) this.fail('samples but no sample types')
    if (sampleCount > 0 && valuesPerSample !== sampleTypes.length)
      this.fail(`samples have ${valuesPerSample} values but the profile has ${sampleTypes.length} sample types`)

    // Functions: ids to indexes.
    const functionCount = functionId.length
    const fnIds = functionId.done()
    const fnIndex = idIndex(fnIds, () => this.fail('duplicate function id'))
    const fnName = functionName.done()
    const fnSystem = functionSystemName.done()
    const fnFile = functionFile.done()
    for (let i = 0; i < functionCount; i++) {
      str(fnName[i], 'a function')
      str(fnSystem[i], 'a function')
      str(fnFile[i], 'a function')
    }

    const mappings: Mapping[] = mappingsRaw.map((m) => ({...m, file: strings.get(str(m.file, 'a mapping')), buildId: strings.get(str(m.buildId, 'a mapping'))}))
    const mappingIndex = idIndex(Float64Array.from(mappings, (m) => m.id), () => this.fail('duplicate mapping id'))

    const locationCount = locationId.length
    const locIds = locationId.done()
    const locIndex = idIndex(locIds, () => this.fail('duplicate location id'))
    const locMapRaw = locationMapping.done()
    const locMapping = new Int32Array(locationCount)
    for (let i = 0; i < locationCount; i++) {
      const id = locMapRaw[i]
      if (id === 0) locMapping[i] = -1
      else {
        const m = mappingIndex(id)
        if (m < 0) this.fail(`location ${locIds[i]} names mapping ${id}, which is missing`)
        locMapping[i] = m
      }
    }
    const lineFnRaw = lineFunction.done()
    const lineFn = new Int32Array(lineFnRaw.length)
    for (let i = 0; i < lineFnRaw.length; i++) {
      const id = lineFnRaw[i]
      if (id === 0) lineFn[i] = -1
      else {
        const f = fnIndex(id)
        if (f < 0) this.fail(`a line names function ${id}, which is missing`)
        lineFn[i] = f
      }
    }

    const sampleLocs = locs.done()
    for (let i = 0; i < sampleLocs.length; i++) {
      const l = locIndex(sampleLocs[i])
      if (l < 0) this.fail(`a sample names location ${sampleLocs[i]}, which is missing`)
      sampleLocs[i] = l
    }

    if (rawLabels.length) {
      labels = new Array(sampleCount)
      for (const list of rawLabels) {
        labels[list[0][4]] = list.map(([k, s, num, u]) => {
          const l: Label = {key: strings.get(str(k, 'a label'))}
          if (s) l.str = strings.get(str(s, 'a label'))
          else l.num = num
          if (u) l.numUnit = strings.get(str(u, 'a label'))
          return l
        })
      }
      for (let i = 0; i < sampleCount; i++) labels[i] ??= []
    }

    return {
      sampleTypes: sampleTypes.map(vt),
      defaultSampleType: strings.get(str(defaultSampleType, 'default_sample_type')),
      periodType: periodType && vt(periodType),
      period,
      timeNanos,
      durationNanos,
      comments: comments.map((c) => strings.get(str(c, 'a comment'))),
      dropFrames: strings.get(str(dropFrames, 'drop_frames')),
      keepFrames: strings.get(str(keepFrames, 'keep_frames')),
      strings,
      sampleCount,
      values: values.done(),
      locStart: locStart.done(),
      locs: sampleLocs,
      labels,
      locationCount,
      locationId: locIds,
      locationMapping: locMapping,
      locationAddress: locationAddress.done(),
      locationFolded: locationFolded.done(),
      lineStart: lineStart.done(),
      lineFunction: lineFn,
      lineNumber: lineNumber.done(),
      functionCount,
      functionId: fnIds,
      functionName: fnName,
      functionSystemName: fnSystem,
      functionFile: fnFile,
      functionStartLine: functionStartLine.done(),
      mappings,
    }
  }
}

/** id → index lookup: a dense table when ids are small (the norm: 1..n), else a Map. -1 when absent. */
function idIndex(ids: Float64Array, duplicate: () => never): (id: number) => number {
  let max = 0
  for (let i = 0; i < ids.length; i++) if (ids[i] > max) max = ids[i]
  if (max <= ids.length * 4 + 1024) {
    const table = new Int32Array(max + 1).fill(-1)
    for (let i = 0; i < ids.length; i++) {
      if (table[ids[i]] !== -1) duplicate()
      table[ids[i]] = i
    }
    return (id) => (id <= max ? table[id] : -1)
  }
  const map = new Map<number, number>()
  for (let i = 0; i < ids.length; i++) {
    if (map.has(ids[i])) duplicate()
    map.set(ids[i], i)
  }
  return (id) => map.get(id) ?? -1
}
