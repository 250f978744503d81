// Pages without a chart still show their moments in the reader's zone, with relative times.
import { start } from "./times.js";

start();
