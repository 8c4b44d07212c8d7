import { formatUnits } from "viem";
import { TTKO_DECIMALS } from "./protocol";

/** "1,234.5 TTKOe": an exact TTKOe amount for people; trailing zeros dropped, never rounded. */
export function formatTTKO(amount: bigint): string {
  const [whole = "0", fraction] = formatUnits(amount, TTKO_DECIMALS).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${fraction ? `${grouped}.${fraction}` : grouped} TTKOe`;
}

/** "0x3C44…93BC" */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
