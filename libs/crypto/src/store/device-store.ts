import type { GeneratedDeviceKeys } from '../key-generation';
import { ProtocolStateJson, protocolStateFromJson, protocolStateFromKeys, protocolStateToJson, ProtocolState } from './protocol-state';
import { ProtocolStore } from './protocol-store';
import { SealedFile } from './sealed-file';

interface DeviceFileJson<P> {
  protocol: ProtocolStateJson;
  profile: P;
}

/**
 * Everything one device keeps, in one encrypted file: its libsignal state
 * and an application `profile` (server, account, tokens). Each change to
 * the libsignal state rewrites the file atomically before libsignal goes on,
 * so a crash can lose at most the change in flight, never a session.
 */
export class DeviceStore<P extends object> extends ProtocolStore {
  private constructor(
    private readonly file: SealedFile,
    state: ProtocolState,
    public profile: P,
  ) {
    super(state);
  }

  static async create<P extends object>(path: string, passphrase: string, keys: GeneratedDeviceKeys, profile: P) {
    const store = new DeviceStore(await SealedFile.create(path, passphrase), protocolStateFromKeys(keys), profile);
    await store.save();
    return store;
  }

  /** Throws WrongPassphraseError when the passphrase does not open the file. */
  static async open<P extends object>(path: string, passphrase: string) {
    const { file, plaintext } = await SealedFile.open(path, passphrase);
    const json = JSON.parse(plaintext.toString('utf8')) as DeviceFileJson<P>;
    return new DeviceStore<P>(file, protocolStateFromJson(json.protocol), json.profile);
  }

  save(): Promise<void> {
    const json: DeviceFileJson<P> = { protocol: protocolStateToJson(this.state), profile: this.profile };
    return this.file.write(Buffer.from(JSON.stringify(json)));
  }

  protected persist(): Promise<void> {
    return this.save();
  }
}
