import { CONVOY_SCHEMA } from "./sort-key-function.js";

/** `convoy.arith_v1(op text, a jsonb, b jsonb) → jsonb`: filter arithmetic over storage forms. */
export const ARITH_FUNCTION = `${CONVOY_SCHEMA}.arith_v1`;

const TYPE_FUNCTION = `${CONVOY_SCHEMA}.arith_type_v1`;
const FLOAT_OP_FUNCTION = `${CONVOY_SCHEMA}.float_op_v1`;
const FLOAT_JSON_FUNCTION = `${CONVOY_SCHEMA}.float_json_v1`;

/**
 * SQL helpers the query compiler needs besides `convoy.sort_key_v1`: the arithmetic of filter
 * expressions (`q.add`, `q.sub`, `q.mul`, `q.div`, `q.mod`, `q.neg`) on stored values, with
 * Convex's semantics:
 * - int64 ⊕ int64 → int64 (Postgres `bigint`: truncating `/` and `%`; overflow and division by
 *   zero raise an error, as they cannot be represented);
 * - float64 ⊕ float64 → float64 with IEEE 754 results (Postgres raises on float overflow,
 *   underflow and division by zero; these functions return ±Infinity, ±0 and NaN instead, and
 *   `mod` is C's exact `fmod`, like JavaScript's `%`);
 * - anything else (mixed int64/float64, a missing field, a string…) raises an error.
 * Every function is IMMUTABLE and versioned by name. Idempotent (`CREATE OR REPLACE`); run after
 * the `convoy` schema exists.
 */
export const DB_FUNCTIONS_SQL: readonly string[] = [
  `CREATE OR REPLACE FUNCTION ${TYPE_FUNCTION}(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN v IS NULL THEN 'missing'
  WHEN jsonb_typeof(v) = 'number' THEN 'float64'
  WHEN jsonb_typeof(v) <> 'object' THEN jsonb_typeof(v)
  WHEN v ? '$int64' AND v - '$int64' = '{}'::jsonb THEN 'int64'
  WHEN v ? '$float64' AND v - '$float64' = '{}'::jsonb THEN 'float64'
  WHEN v ? '$bytes' AND v - '$bytes' = '{}'::jsonb THEN 'bytes'
  ELSE 'object' END
$fn$`,
  `CREATE OR REPLACE FUNCTION ${FLOAT_JSON_FUNCTION}(r float8) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
SELECT CASE
  WHEN r = 'NaN'::float8 THEN '{"$float64": "NaN"}'::jsonb
  WHEN r = 'Infinity'::float8 THEN '{"$float64": "Infinity"}'::jsonb
  WHEN r = '-Infinity'::float8 THEN '{"$float64": "-Infinity"}'::jsonb
  WHEN r = 0 AND r::text = '-0' THEN '{"$float64": "-0"}'::jsonb
  ELSE to_jsonb(r) END
$fn$`,
  `CREATE OR REPLACE FUNCTION ${FLOAT_OP_FUNCTION}(op text, x float8, y float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  r float8;
  d float8;
  t float8;
  s float8;
  negative boolean;
BEGIN
  IF op = 'neg' THEN RETURN -x; END IF;
  IF op = 'mod' THEN
    IF x = 'NaN'::float8 OR y = 'NaN'::float8 OR abs(x) = 'Infinity'::float8 OR y = 0 THEN RETURN 'NaN'::float8; END IF;
    IF abs(y) = 'Infinity'::float8 THEN RETURN x; END IF;
    -- exact fmod: subtract y * 2^k (exact by Sterbenz's lemma) until the rest is below |y|
    r := abs(x);
    d := abs(y);
    IF r >= d THEN
      t := d;
      WHILE t <= r - t LOOP t := t * 2; END LOOP;
      WHILE r >= d LOOP
        WHILE t > r LOOP t := t * 0.5; END LOOP;
        r := r - t;
      END LOOP;
    END IF;
    IF x < 0 OR x::text = '-0' THEN RETURN -r; END IF;
    RETURN r;
  END IF;
  IF op = 'div' AND y = 0 THEN
    IF x = 0 OR x = 'NaN'::float8 THEN RETURN 'NaN'::float8; END IF;
    negative := (x < 0) <> (y::text = '-0');
    RETURN CASE WHEN negative THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END;
  END IF;
  negative := (x < 0) <> (y < 0);
  IF op IN ('mul', 'div') AND x <> 0 AND y <> 0 AND abs(x) < 'Infinity'::float8 AND abs(y) < 'Infinity'::float8 THEN
    -- Postgres raises on overflow and underflow; decide them from the magnitudes
    s := CASE WHEN op = 'mul' THEN ln(abs(x)) + ln(abs(y)) ELSE ln(abs(x)) - ln(abs(y)) END;
    IF s > 710 THEN RETURN CASE WHEN negative THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END; END IF;
    IF s < -746 THEN RETURN CASE WHEN negative THEN '-0'::float8 ELSE 0::float8 END; END IF;
    IF s > 700 OR s < -740 THEN
      BEGIN
        RETURN CASE WHEN op = 'mul' THEN x * y ELSE x / y END;
      EXCEPTION WHEN numeric_value_out_of_range THEN
        IF s > 0 THEN RETURN CASE WHEN negative THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END; END IF;
        RETURN CASE WHEN negative THEN '-0'::float8 ELSE 0::float8 END;
      END;
    END IF;
  END IF;
  IF op IN ('add', 'sub') AND (abs(x) >= 1e307 OR abs(y) >= 1e307) AND abs(x) < 'Infinity'::float8 AND abs(y) < 'Infinity'::float8 THEN
    BEGIN
      RETURN CASE WHEN op = 'add' THEN x + y ELSE x - y END;
    EXCEPTION WHEN numeric_value_out_of_range THEN
      RETURN CASE WHEN x < 0 THEN '-Infinity'::float8 ELSE 'Infinity'::float8 END;
    END;
  END IF;
  RETURN CASE op WHEN 'add' THEN x + y WHEN 'sub' THEN x - y WHEN 'mul' THEN x * y ELSE x / y END;
END
$fn$`,
  `CREATE OR REPLACE FUNCTION ${ARITH_FUNCTION}(op text, a jsonb, b jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  ta text := ${TYPE_FUNCTION}(a);
  tb text;
  i bigint;
  j bigint;
BEGIN
  tb := CASE WHEN op = 'neg' THEN ta ELSE ${TYPE_FUNCTION}(b) END;
  IF ta = 'int64' AND tb = 'int64' THEN
    i := (a->>'$int64')::bigint;
    IF op = 'neg' THEN RETURN jsonb_build_object('$int64', (-i)::text); END IF;
    j := (b->>'$int64')::bigint;
    IF op IN ('div', 'mod') AND j = 0 THEN
      RAISE EXCEPTION 'convoy: int64 % by zero', CASE WHEN op = 'div' THEN 'division' ELSE 'modulo' END USING ERRCODE = '22012';
    END IF;
    i := CASE op WHEN 'add' THEN i + j WHEN 'sub' THEN i - j WHEN 'mul' THEN i * j WHEN 'div' THEN i / j ELSE i % j END;
    RETURN jsonb_build_object('$int64', i::text);
  ELSIF ta = 'float64' AND tb = 'float64' THEN
    RETURN ${FLOAT_JSON_FUNCTION}(${FLOAT_OP_FUNCTION}(op,
      CASE WHEN jsonb_typeof(a) = 'number' THEN a::float8 ELSE (a->>'$float64')::float8 END,
      CASE WHEN op = 'neg' THEN 0::float8 WHEN jsonb_typeof(b) = 'number' THEN b::float8 ELSE (b->>'$float64')::float8 END));
  END IF;
  IF op = 'neg' THEN RAISE EXCEPTION 'convoy: cannot negate %', ta USING ERRCODE = '22023'; END IF;
  RAISE EXCEPTION 'convoy: cannot % % and %', op, ta, tb USING ERRCODE = '22023';
END
$fn$`,
];

/** SQLSTATEs raised by filter evaluation (arithmetic): reported as `INTERNAL` errors naming the problem. */
export const FILTER_ERROR_STATES: ReadonlySet<string> = new Set(["22003", "22012", "22023", "22P02"]);
