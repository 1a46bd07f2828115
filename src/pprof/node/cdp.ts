/** A minimal Chrome DevTools Protocol client over one WebSocket: send a method, await its result.
 * Node 20 has no global WebSocket, hence `ws`. */
import WebSocket from 'ws'

import {ExitCode, MonitorError} from '../../errors.js'

interface Pending {
  resolve: (result: unknown) => void
  reject: (error: Error) => void
}

export class CdpSession {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closedError: Error | undefined
  private onClosed: () => void = () => {}
  /** Settles when the connection is gone (the process ended or closed its inspector). */
  readonly closed = new Promise<void>((resolve) => (this.onClosed = resolve))

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(String(data)))
    socket.on('close', () => this.fail(new MonitorError('the Node.js process closed its inspector connection', {exitCode: ExitCode.unavailable})))
    socket.on('error', (error) => this.fail(new MonitorError(`inspector connection failed: ${error.message}`, {exitCode: ExitCode.unavailable})))
  }

  static connect(url: string, timeoutMs: number): Promise<CdpSession> {
    return new Promise((resolve, reject) => {
      // perMessageDeflate off: Node's inspector does not negotiate it, and profiles are sent once.
      const socket = new WebSocket(url, {perMessageDeflate: false, handshakeTimeout: timeoutMs, maxPayload: 2 ** 31 - 1})
      socket.once('open', () => resolve(new CdpSession(socket)))
      socket.once('error', (error) => reject(new MonitorError(`cannot connect to the inspector at ${url}: ${error.message}`, {exitCode: ExitCode.unavailable})))
    })
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {resolve: resolve as (r: unknown) => void, reject})
      this.socket.send(JSON.stringify({id, method, params}))
    })
  }

  /** Closes the connection and waits until it is closed (or a second passed). */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.terminate()
        resolve()
      }, 1000)
      this.socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.socket.close()
    })
  }

  private onMessage(text: string): void {
    let message: {id?: number; result?: unknown; error?: {message?: string}}
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      return
    }
    if (message.id === undefined) return // an event: none are subscribed to
    const p = this.pending.get(message.id)
    if (!p) return
    this.pending.delete(message.id)
    if (message.error) p.reject(new MonitorError(`inspector: ${message.error.message ?? 'request failed'}`, {exitCode: ExitCode.failure}))
    else p.resolve(message.result)
  }

  private fail(error: Error): void {
    this.closedError ??= error
    this.onClosed()
    for (const p of this.pending.values()) p.reject(this.closedError)
    this.pending.clear()
  }
}
