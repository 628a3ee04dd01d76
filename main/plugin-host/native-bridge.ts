import type { FieldType, JsExternal } from 'ffi-rs';
import type { LoadRequest } from '../core/plugins/host-protocol';
import type { SandboxProof } from '../core/sandbox/proof';
import { jsonToBytes } from '../core/json-bytes';
import { bytesType, ffi } from './ffi';

const { DataType, PointerType } = ffi;
const BRIDGE = 'hf-host-bridge';
const PLUGIN = 'hf-plugin-under-check';

/**
 * One synchronous call into `library`. ffi-rs never frees what it returns here (ffi-rs notes §2:
 * freeing a String result aborts the process); the bridge's own free function does.
 */
function call<T extends FieldType>(library: string, funcName: string, retType: T, paramsType: FieldType[], paramsValue: unknown[]) {
  return ffi.load({ library, funcName, retType, paramsType, paramsValue, freeResultMemory: false });
}

export type BridgeReply = { ok: true; [key: string]: unknown } | { ok: false; code: string; error: string };

/**
 * The host bridge cdylib seen through ffi-rs, used the ways ffi-rs notes §2–3 found safe: strings
 * returned by the bridge are copied then freed by the bridge's own free function; no callbacks.
 * Main's messages and the bridge's own come and go through the bridge's channel (`next`, `send`).
 */
export class NativeBridge {
  /** Opens the bridge at `bridgePath` with its channel to main on descriptor `channel`. */
  constructor(bridgePath: string, channel: number) {
    ffi.open({ library: BRIDGE, path: bridgePath });
    const rc = call(BRIDGE, 'hf_bridge_init', DataType.I32, [DataType.I32], [channel]);
    if (rc !== 0) throw new Error(`the plugin host must be started by HaloForge Host (no channel to its parent on fd ${channel})`);
  }

  /**
   * Waits for main's next bytes and reads them into `into`, while the bridge writes its own
   * messages to main (native/host-bridge/src/channel.rs). Returns how many it read, 0 when main has
   * closed its end, or minus an errno.
   */
  next(into: Buffer): number {
    return call(BRIDGE, 'hf_bridge_next', DataType.I32, [bytesType(into), DataType.I32], [into, into.length]);
  }

  /** Writes to main what the bridge holds for it now, without waiting for main; 0, or minus an errno. */
  flush(): number {
    return call(BRIDGE, 'hf_bridge_flush', DataType.I32, [], []);
  }

  /** Writes bytes this process framed to main; 0, or minus an errno. */
  send(bytes: Buffer): number {
    return call(BRIDGE, 'hf_bridge_send', DataType.I32, [bytesType(bytes), DataType.I32], [bytes, bytes.length]);
  }

  /**
   * Closes what this process inherited beyond stdio, its channel to main and `keep` (see
   * native/host-bridge/src/descriptors.rs); throws when it cannot look.
   */
  closeInherited(keep: readonly number[]): void {
    const rc = call(BRIDGE, 'hf_bridge_close_inherited', DataType.I32, [DataType.String], [JSON.stringify(keep)]);
    if (rc < 0) throw new Error('the plugin host cannot list the descriptors it inherited (/proc/self/fd), so it cannot close them');
  }

  info(): BridgeReply {
    return this.callForJson('hf_bridge_info', [], []);
  }

  /** Raises the process's own walls before any plugin code runs (see native/host-bridge/src/lockdown.rs). */
  /** `viewSocket`: the descriptor on which the grant view's listener goes to the supervisor. */
  lockDown(writable: string[], egressPort: number | undefined, viewSocket: number | undefined, executable: string[]): SandboxProof['lockdown'] {
    const reply = this.callForJson('hf_bridge_lockdown', [DataType.String], [JSON.stringify({ writable, egressPort, viewSocket, executable })]);
    if (!reply.ok) return { seccomp: false, landlock: 'not-enforced', landlockAllThreads: false, viewListener: false, problems: [reply.error] };
    return reply.report as SandboxProof['lockdown'];
  }

  inspect(library: string): BridgeReply {
    return this.callForJson('hf_bridge_inspect', [DataType.String], [library]);
  }

  /** Starts loading; the outcome arrives as a `loaded` message. Returns 0, or non-zero if refused. */
  load(request: LoadRequest): number {
    // The bridge reads the fields it knows (serde ignores `type`).
    return call(BRIDGE, 'hf_bridge_load', DataType.I32, [DataType.String], [JSON.stringify(request)]);
  }

  /** Starts a command; its result goes to main through the channel. Returns 0, -1 when no plugin is loaded, or another negative code when refused. */
  invoke(id: number, command: string, args: Buffer): number {
    return this.start('hf_bridge_invoke', id, command, args);
  }

  /**
   * Starts a workflow step (`execute_workflow_step` with JSON `config`); its result goes to main
   * like a command's. Returns 0, -1 when no plugin is loaded, or another negative code.
   */
  runStep(id: number, stepType: string, config: Buffer): number {
    return this.start('hf_bridge_run_step', id, stepType, config);
  }

  private start(funcName: string, id: number, name: string, json: Buffer): number {
    return call(BRIDGE, funcName, DataType.I32, [DataType.I32, DataType.String, bytesType(json), DataType.I32], [id, name, json, json.length]);
  }

  /** Answers a plugin thread waiting in a host call (`ctx.http()`). */
  complete(id: number, bytes: Buffer): number {
    return call(BRIDGE, 'hf_bridge_complete', DataType.I32, [DataType.I32, bytesType(bytes), DataType.I32], [id, bytes, bytes.length]);
  }

  /** Answers a plugin thread's `ctx.http()`: the answer's head as JSON, and the body's bytes as they came. */
  completeHttp(id: number, head: Buffer, body: Buffer): number {
    return call(BRIDGE, 'hf_bridge_complete_http', DataType.I32, [DataType.I32, bytesType(head), DataType.I32, bytesType(body), DataType.I32], [id, head, head.length, body, body.length]);
  }

  settingsChanged(json: string): number {
    return this.callWithJson('hf_bridge_settings_changed', json);
  }

  dispatchEvent(json: string): number {
    return this.callWithJson('hf_bridge_dispatch_event', json);
  }

  private callWithJson(funcName: string, json: string): number {
    const bytes = jsonToBytes(json);
    return call(BRIDGE, funcName, DataType.I32, [bytesType(bytes), DataType.I32], [bytes, bytes.length]);
  }

  /** Calls on_unload and destroy. */
  unload(): BridgeReply {
    return this.callForJson('hf_bridge_unload', [], []);
  }

  private callForJson(funcName: string, paramsType: FieldType[], paramsValue: unknown[]): BridgeReply {
    const raw = call(BRIDGE, funcName, DataType.External, paramsType, paramsValue) as JsExternal;
    const boxed = ffi.wrapPointer([raw]);
    const [text] = ffi.restorePointer({ retType: [DataType.String], paramsValue: boxed }) as string[];
    ffi.freePointer({ paramsType: [DataType.External], paramsValue: boxed, pointerType: PointerType.RsPointer });
    call(BRIDGE, 'hf_bridge_free', DataType.Void, [DataType.External], [raw]);
    return JSON.parse(text ?? '{"ok":false,"code":"bridge","error":"empty reply from the host bridge"}') as BridgeReply;
  }
}

/**
 * Opens the plugin library with ffi-rs and reads `_haloforge_abi_version`, the only function of the
 * plugin ABI that is plain C (contract §1.6–1.7), before the bridge calls anything else in it. The
 * library stays open: the bridge keeps it loaded for the life of the process anyway, and its own
 * open then finds it mapped and relocated instead of doing both again.
 */
export function readPluginAbiVersion(library: string): number {
  ffi.open({ library: PLUGIN, path: library });
  return call(PLUGIN, '_haloforge_abi_version', DataType.U32, [], []);
}
