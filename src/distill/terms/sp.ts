/** Similarity-preserving KD (Tung & Mori, 2019): the batch's sample-similarity matrices. */
import { relationalEntry } from "./relational-entry";

export const spEntry = relationalEntry("sp", "similarity-preserving: the batch's sample-similarity matrices (Tung & Mori, 2019)");
