/** Relational KD, angle-wise (Park et al., 2019): angles of sample triplets. */
import { relationalEntry } from "./relational-entry";

export const rkdAngleEntry = relationalEntry("rkd-angle", "relational KD, angle-wise: angles of sample triplets (Park et al., 2019)");
