// --keystore: an encrypted JSON keystore as the agent's key, its password from the
// environment or a file, so no raw key sits in the environment or a shell history. Every
// failure (no password, unreadable file, not a keystore, wrong password) is one line.
import { readFileSync } from "fs";
import { HDNodeWallet, Provider, Wallet } from "ethers";
import { RefereeError } from "../errors";
import { usageError } from "./args";

export const KEYSTORE_PASSWORD_ENV = "REFEREE_KEYSTORE_PASSWORD";

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw usageError(`cannot read ${what} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The keystore's password: from `passwordFile` (its one line) or REFEREE_KEYSTORE_PASSWORD. */
export function keystorePassword(passwordFile: string | undefined, env = process.env): string {
  if (passwordFile !== undefined) return readText(passwordFile, "the keystore password file").replace(/\r?\n$/, "");
  const password = env[KEYSTORE_PASSWORD_ENV];
  if (password === undefined)
    throw usageError(`--keystore needs its password: set ${KEYSTORE_PASSWORD_ENV} or pass --keystore-password-file`);
  return password;
}

/** Decrypts keystore `file` with `password`, connected to `provider`. */
export async function keystoreSigner(
  file: string,
  password: string,
  provider: Provider | null,
): Promise<Wallet | HDNodeWallet> {
  const json = readText(file, "keystore");
  let wallet: Wallet | HDNodeWallet;
  try {
    JSON.parse(json);
  } catch {
    throw usageError(`keystore ${file} is not JSON (expected an encrypted JSON wallet)`);
  }
  try {
    wallet = await Wallet.fromEncryptedJson(json, password);
  } catch (e) {
    const msg = (e as Error).message;
    if (/incorrect password/i.test(msg))
      throw usageError(`keystore ${file}: wrong password (from ${KEYSTORE_PASSWORD_ENV} or --keystore-password-file)`);
    throw new RefereeError("USAGE", `keystore ${file} is not an encrypted JSON wallet (${msg.split(" (")[0]})`, e);
  }
  return provider === null ? wallet : wallet.connect(provider);
}
