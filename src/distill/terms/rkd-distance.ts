/** Relational KD, distance-wise (Park et al., 2019): normalised pairwise distances. */
import { relationalEntry } from "./relational-entry";

export const rkdDistanceEntry = relationalEntry("rkd-distance", "relational KD, distance-wise: normalised pairwise distances (Park et al., 2019)");
