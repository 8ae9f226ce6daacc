# shellcheck shell=bash
# shellcheck disable=SC2034 # PAID_*, PICK_*, APPLY_*, WH_*, LOADAVG_WH: read by run.sh
# bench/webhooks.sh: webhook -> PAID latency, sourced by bench/run.sh after the
# POST /orders runs (it uses run.sh's variables and helpers: note, die, check,
# body_excerpt, BASE, BENCH_VAR, LOG, WEBHOOKS, WEBHOOK_SEND_RATE, the
# customer of the orders, the stack's database URLs and secrets).
#
# webhooks_measure:
#   1. the customer logs in again (a fresh 15-minute token);
#   2. WEBHOOKS of the customer's PENDING orders (those of the POST /orders
#      runs; any shortfall is created first), and for each one POST
#      /payments/razorpay/create-order as the customer (the stand-in answers
#      for Razorpay): every answer must be 201;
#   3. the relay's backlog from the runs is drained (every outbox idle);
#   4. per order, a payment.captured event in Razorpay's shape (B.4: the
#      envelope, payload.payment.entity with order_id = the razorpayOrder.id,
#      amount = the order's total in paise), signed with
#      RAZORPAY_WEBHOOK_SECRET (HMAC-SHA256 hex of the exact bytes, computed
#      by PostgreSQL's sha256(): one query for every body, checked on test
#      vector W1, no secret on a command line), X-Razorpay-Event-Id
#      "bench-<order id>";
#   5. sent one after another at WEBHOOK_SEND_RATE a second by one curl
#      (--rate; keep-alive, the number of connections is reported): every
#      answer must be 200 {"status":"applied"}; then every order must
#      become PAID (60 s);
#   6. the latency, per order, inside PostgreSQL (one clock, no client
#      clock): from payment_db webhook_events.received_at of its event to
#      order_db order_status_history.created_at of its PAID row.
#
# Both columns are DEFAULT now(): the start of their transaction.  The
# webhook's transaction begins once the signature has been verified and the
# body parsed, and inserts the event id first: received_at is when the
# payment service accepted the delivery and began applying it (its 200, the
# payment's SUCCESS and the PAYMENT_SUCCESS outbox row commit a few ms
# later, in the same transaction; payments.paid_at holds the same instant,
# which is checked).  The PAID row's created_at is the start of the order
# service's transaction that applies PAYMENT_SUCCESS (it commits ~1 ms
# later).  Between the two: the rest of the webhook's transaction, the
# relay's pickup (NOTIFY), the delivery through the internal listener, and
# the order's event handling.  The relay stamps outbox.sent_at with its own
# claim transaction's start, which splits the span in two.
#
# Sets PAID_N PAID_P50 PAID_P99 PAID_MAX PAID_MIN (ms), PICK_P50 PICK_P99
# PICK_MAX, APPLY_P50 APPLY_P99 APPLY_MAX, WH_RT_P50 WH_RT_P99 (the
# webhook's answer time in nginx), WH_SENT_RATE (achieved), WH_CONNS (TCP
# connections curl opened for them), LOADAVG_WH (when
# the webhooks started), and adds to NOTES.

# wh_psql URL ARGS...: psql, quiet, unaligned, stop on error.
wh_psql() {
	local url=$1
	shift
	psql "$url" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# wh_codes FILE WANT: every "status urlnum" line of FILE has status WANT;
# else prints the first other one ("status urlnum") and fails.
wh_codes() {
	awk -v want="$2" '$1 != want {print; bad = 1; exit} END {exit bad}' "$1"
}

# wh_run_batch NAME PARALLEL [RATE]: the transfers of $WH_DIR/NAME.cfg with
# curl (PARALLEL at once, or one after another at RATE a second), "status
# urlnum new-connections" per transfer into $WH_DIR/NAME.codes.  The blocks of the file end
# in "next", which must not end the file (curl: "no URL specified!").
wh_run_batch() {
	local name=$1 par=$2 rate=${3:-} want
	local args=(-s --no-progress-meter -K "$WH_DIR/$name.cfg")
	sed -i '$ { /^next$/d }' "$WH_DIR/$name.cfg"
	want=$(grep -c '^url = ' "$WH_DIR/$name.cfg")
	if ((par > 1)); then
		args+=(--parallel --parallel-immediate --parallel-max "$par")
	elif [[ -n $rate ]]; then
		args+=(--rate "$rate/s")
	fi
	curl "${args[@]}" >"$WH_DIR/$name.codes" 2>>"$LOG/bench-curl.log" || true
	local n
	n=$(wc -l <"$WH_DIR/$name.codes")
	((n == want)) || die "$name: curl made $n transfers of $want (its errors: $LOG/bench-curl.log)"
}

# wh_block URL BODY OUT [HEADER...]: one transfer of a curl config, a JSON
# body (inline, or @file), its answer into OUT.
wh_block() {
	local url=$1 body=$2 out=$3 h
	shift 3
	printf 'url = "%s"\n' "$url"
	for h in "Content-Type: application/json" "Expect:" "$@"; do printf 'header = "%s"\n' "$h"; done
	body=${body//\\/\\\\}
	printf 'data-binary = "%s"\n' "${body//\"/\\\"}"
	printf 'output = "%s"\nmax-time = 30\nwrite-out = "%%{http_code} %%{urlnum} %%{num_connects}\\n"\nnext\n' "$out"
}

# wh_ms FILE P: the P-th percentile (0..1, nearest rank) of the numbers in FILE.
wh_ms() {
	sort -n "$1" | awk -v p="$2" '{v[NR] = $1} END {
		if (NR == 0) { print "-"; exit }
		i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		printf "%.2f", v[i] }'
}

webhooks_measure() {
	local n=$WEBHOOKS t0 i have need id bad
	WH_DIR=$BENCH_VAR/webhooks
	mkdir -p "$WH_DIR/co" "$WH_DIR/wh" "$WH_DIR/ord"
	local pay_db=$PAYMENT_DATABASE_URL ord_db=$ORDER_DATABASE_URL
	[[ -n $pay_db && -n $ord_db ]] || die "webhooks: no PAYMENT_DATABASE_URL / ORDER_DATABASE_URL in $ENV_FILE"
	[[ -n ${RAZORPAY_WEBHOOK_SECRET:-} ]] || die "webhooks: no RAZORPAY_WEBHOOK_SECRET in $ENV_FILE"
	note "webhook -> PAID: $n orders, payment.captured at $WEBHOOK_SEND_RATE/s"

	# 1. A fresh token for the customer.
	check POST "$BASE/auth/login" '{"email":"'"$BENCH_CUSTOMER_EMAIL"'","password":"'"$BENCH_PASSWORD"'"}'
	[[ $CODE == 200 ]] || die "POST /auth/login answered $CODE: $(body_excerpt)"
	local token
	token=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' "$BENCH_VAR/check.out")
	[[ -n $token ]] || die "POST /auth/login: no accessToken in $(body_excerpt)"

	# 2a. PENDING orders: those of the runs, topped up when they were fewer.
	have=$(wh_psql "$ord_db" -c "SELECT count(*) FROM orders WHERE user_id = '$BENCH_CUSTOMER' AND status = 'PENDING'")
	need=$((n - have))
	if ((need > 0)); then
		note "  creating $need more orders (the runs left $have PENDING)"
		local ids
		mapfile -t ids <"$BENCH_IDS"
		for ((i = 0; i < need; i++)); do
			wh_block "$BASE/orders" \
				'{"sellerId":"'"$BENCH_SELLER"'","items":[{"productId":"'"${ids[i % ${#ids[@]}]}"'","quantity":1,"sellerPrice":9999.00}]}' \
				"$WH_DIR/ord/$((i + 1))" "Authorization: Bearer $token"
		done >"$WH_DIR/orders.cfg"
		wh_run_batch orders 8
		if ! bad=$(wh_codes "$WH_DIR/orders.codes" 201); then
			die "POST /orders answered ${bad% *}, not 201: $(head -c 300 "$WH_DIR/ord/$((${bad#* } + 1))" 2>/dev/null)"
		fi
	fi
	wh_psql "$ord_db" -F $'\t' -c "SELECT id, total, currency FROM orders
		WHERE user_id = '$BENCH_CUSTOMER' AND status = 'PENDING' ORDER BY created_at, id LIMIT $n" \
		>"$WH_DIR/orders.tsv"
	(($(wc -l <"$WH_DIR/orders.tsv") == n)) || die "webhooks: fewer than $n PENDING orders"

	# 2b. Their Razorpay orders, as the customer.
	t0=$(date +%s.%N)
	i=0
	while IFS=$'\t' read -r id _ _; do
		i=$((i + 1))
		wh_block "$BASE/payments/razorpay/create-order" '{"orderId":"'"$id"'"}' "$WH_DIR/co/$i" \
			"Authorization: Bearer $token"
	done <"$WH_DIR/orders.tsv" >"$WH_DIR/create.cfg"
	wh_run_batch create 8
	if ! bad=$(wh_codes "$WH_DIR/create.codes" 201); then
		die "POST /payments/razorpay/create-order answered ${bad% *}, not 201: $(head -c 300 "$WH_DIR/co/$((${bad#* } + 1))" 2>/dev/null)"
	fi
	note "  $n Razorpay orders created in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"

	# The payments, each checked against its order: one PENDING payment per
	# order, with a Razorpay order, for the order's total and currency.
	wh_psql "$pay_db" -F $'\t' -c "SELECT order_id, amount, currency FROM payments
		WHERE user_id = '$BENCH_CUSTOMER' AND status = 'PENDING' AND razorpay_order_id IS NOT NULL" \
		>"$WH_DIR/payments.tsv"
	bad=$(awk -F'\t' 'NR == FNR {want[$1] = $2 "\t" $3; next}
		($1 in want) {if (want[$1] != $2 "\t" $3) {print $1 ": payment " $2 " " $3 ", order " want[$1]; exit}
			seen[$1]++}
		END {for (k in want) if (seen[k] != 1) {print k ": " (seen[k] + 0) " payments"; exit}}' \
		"$WH_DIR/orders.tsv" "$WH_DIR/payments.tsv")
	[[ -z $bad ]] || die "webhooks: a payment does not match its order ($bad)"

	# 3. The runs left the relay a backlog (their ORDER_CREATED events):
	# measure on an idle relay.
	t0=$SECONDS
	local pending=1
	while ((SECONDS - t0 < 180)); do
		pending=$(($(wh_psql "$ord_db" -c "SELECT count(*) FROM outbox WHERE status = 'PENDING'") +
			$(wh_psql "$pay_db" -c "SELECT count(*) FROM outbox WHERE status = 'PENDING'")))
		((pending == 0)) && break
		sleep 0.5
	done
	if ((pending > 0)); then
		NOTES+=("webhook -> PAID: the relay still had $pending events PENDING after 180 s when the webhooks started")
		note "  ${NOTES[-1]}"
	else
		note "  relay idle after $((SECONDS - t0)) s"
	fi
	# ... and the sender a backlog (the notifications of those orders: the
	# customer's and the reseller's, on each of their channels): measure
	# once it is sent, and say what it was.
	if [[ -n ${NOTIFICATION_DATABASE_URL:-} ]]; then
		t0=$SECONDS
		while ((SECONDS - t0 < 300)); do
			pending=$(wh_psql "$NOTIFICATION_DATABASE_URL" -c "SELECT count(*) FROM notifications
				WHERE status = 'PENDING'")
			((pending == 0)) && break
			sleep 0.5
		done
		local made
		made=$(wh_psql "$NOTIFICATION_DATABASE_URL" -c "SELECT coalesce(sum(n), 0) || ' notifications (' ||
			coalesce(string_agg(n || ' ' || channel, ', ' ORDER BY channel), '') || ')'
			FROM (SELECT channel, count(*) AS n FROM notifications GROUP BY channel) c")
		NOTES+=("webhook -> PAID: measured once the sender had sent the runs' $made, $pending still PENDING, $((SECONDS - t0)) s after the relay was idle; they are sent while POST /orders runs, so its figures carry that load")
		note "  ${NOTES[-1]}"
	fi

	# 4. The events, built and signed in one query: HMAC-SHA256 from
	# PostgreSQL's sha256() (RFC 2104: the key, zero-padded to the 64-byte
	# block or hashed when longer, XOR 0x36 inside, XOR 0x5c outside).  The
	# secret reaches psql on its stdin (\set), never on a command line.  The
	# first row signs spec/razorpay-facts.md's test vector W1 with its key,
	# so a slip in the SQL fails here and not as n rejected webhooks.
	# Output: order id, signature, body.
	local created sq=\' esc
	created=$(date +%s)
	esc=${RAZORPAY_WEBHOOK_SECRET//\\/\\\\}
	esc=${esc//$sq/\\$sq}
	{
		printf '\\set secret %s\n' "$sq$esc$sq"
		printf '\\set customer %s\n' "$sq$BENCH_CUSTOMER$sq"
		printf '\\set created %s\n' "$created"
		cat <<-'SQL'
		WITH keys (name, k) AS (
		    VALUES ('live', convert_to(:'secret', 'UTF8')), ('w1', convert_to('123456', 'UTF8'))
		), k1 AS (
		    SELECT name, CASE WHEN length(k) > 64 THEN sha256(k) ELSE k END AS k FROM keys
		), k AS (
		    SELECT name, k || decode(repeat('00', 64 - length(k)), 'hex') AS k FROM k1
		), pads AS (
		    SELECT name,
		           decode(string_agg(lpad(to_hex(get_byte(k, i) # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
		           decode(string_agg(lpad(to_hex(get_byte(k, i) # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
		    FROM k, generate_series(0, 63) AS i GROUP BY name
		), ev AS (
		    SELECT 'live' AS key, 1 AS pos, p.order_id::text AS id,
		           '{"entity":"event","account_id":"acc_BenchAccount01","event":"payment.captured",'
		        || '"contains":["payment"],"payload":{"payment":{"entity":{'
		        || '"id":"pay_Bench' || lpad((row_number() OVER (ORDER BY p.order_id))::text, 9, '0') || '",'
		        || '"entity":"payment","amount":' || p.amount || ',"currency":"' || p.currency || '",'
		        || '"status":"captured","order_id":"' || p.razorpay_order_id || '","invoice_id":null,'
		        || '"international":false,"method":"upi","amount_refunded":0,"refund_status":null,'
		        || '"captured":true,"description":"Bench order","card_id":null,"bank":null,'
		        || '"wallet":null,"vpa":"success@razorpay","email":"void@razorpay.com",'
		        || '"contact":"+919999999999","notes":[],'
		        || '"fee":' || (p.amount * 2 / 100 + p.amount * 2 / 100 * 18 / 100)
		        || ',"tax":' || (p.amount * 2 / 100 * 18 / 100) || ','
		        || '"error_code":null,"error_description":null,"error_source":null,'
		        || '"error_step":null,"error_reason":null,'
		        || '"acquirer_data":{"rrn":"' || lpad((row_number() OVER (ORDER BY p.order_id))::text, 12, '0')
		        || '","upi_transaction_id":"BENCH' || lpad((row_number() OVER (ORDER BY p.order_id))::text, 9, '0') || '"},'
		        || '"created_at":' || :created || ','
		        || '"upi":{"payer_account_type":"bank_account","vpa":"success@razorpay","flow":"collect"}'
		        || '}}},"created_at":' || :created || '}' AS body
		    FROM payments p
		    WHERE p.user_id = :'customer' AND p.status = 'PENDING' AND p.razorpay_order_id IS NOT NULL
		    UNION ALL
		    SELECT 'w1', 0, 'W1', '{"a":1,"b":2,"c":{"d":3}}'
		)
		SELECT ev.id,
		       encode(sha256(pads.opad || sha256(pads.ipad || convert_to(ev.body, 'UTF8'))), 'hex'),
		       ev.body
		FROM ev JOIN pads ON pads.name = ev.key
		ORDER BY ev.pos, ev.id;
		SQL
	} | wh_psql "$pay_db" -F $'\t' >"$WH_DIR/events.all"
	local w1
	w1=$(head -n 1 "$WH_DIR/events.all" | cut -f1,2)
	[[ $w1 == W1$'\t'2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc ]] ||
		die "webhooks: the SQL HMAC gives '${w1#*$'\t'}' for test vector W1, not 2fe04e22…"
	tail -n +2 "$WH_DIR/events.all" >"$WH_DIR/events.tsv"
	(($(wc -l <"$WH_DIR/events.tsv") == n)) || die "webhooks: $(wc -l <"$WH_DIR/events.tsv") events built, not $n"
	# The bodies (exact bytes, no newline) and the transfers.
	awk -F'\t' -v dir="$WH_DIR/wh" -v url="$BASE/payments/webhook" '{
		f = dir "/" NR ".json"; printf "%s", $3 > f; close(f)
		printf "url = \"%s\"\n", url
		printf "header = \"Content-Type: application/json\"\nheader = \"Expect:\"\n"
		printf "header = \"User-Agent: Razorpay-Webhook/v1\"\n"
		printf "header = \"X-Razorpay-Signature: %s\"\n", $2
		printf "header = \"X-Razorpay-Event-Id: bench-%s\"\n", $1
		printf "data-binary = \"@%s\"\n", f
		printf "output = \"%s/%d.out\"\nmax-time = 30\n", dir, NR
		printf "write-out = \"%%{http_code} %%{urlnum} %%{num_connects}\\n\"\nnext\n" }' \
		"$WH_DIR/events.tsv" >"$WH_DIR/webhooks.cfg"

	# 5. Send them, one after another at the steady rate.
	local a b
	LOADAVG_WH=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
	a=$(date +%s.%N)
	wh_run_batch webhooks 1 "$WEBHOOK_SEND_RATE"
	b=$(date +%s.%N)
	WH_SENT_RATE=$(awk -v n="$n" -v a="$a" -v b="$b" 'BEGIN {printf "%d", n / (b - a) + 0.5}')
	WH_CONNS=$(awk '{s += $3} END {print s + 0}' "$WH_DIR/webhooks.codes")
	if ! bad=$(wh_codes "$WH_DIR/webhooks.codes" 200); then
		die "POST /payments/webhook answered ${bad% *}, not 200: $(head -c 300 "$WH_DIR/wh/$((${bad#* } + 1)).out" 2>/dev/null)"
	fi
	bad=$(grep -L '"status":"applied"' "$WH_DIR"/wh/*.out | head -n 1 || true)
	[[ -z $bad ]] || die "POST /payments/webhook: not applied: $(head -c 300 "$bad")"
	note "  $n webhooks sent in $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", b - a}') s ($WH_SENT_RATE/s, $WH_CONNS connection(s)), all 200 applied"

	# Every order PAID (the relay delivers PAYMENT_SUCCESS to the order service).
	t0=$SECONDS
	local paid=0
	while ((SECONDS - t0 < 60)); do
		paid=$(wh_psql "$ord_db" -c "SELECT count(*) FROM orders WHERE user_id = '$BENCH_CUSTOMER' AND status = 'PAID'")
		((paid >= n)) && break
		sleep 0.25
	done
	((paid == n)) || die "webhooks: $paid of $n orders PAID 60 s after the last webhook (relay log: $LOG/relay.log)"

	# 6. The latency, in PostgreSQL: payment_db's side copied into a
	# temporary table of an order_db session, joined with the PAID rows.
	{
		printf 'CREATE TEMP TABLE wh (order_id uuid PRIMARY KEY, received_at timestamptz NOT NULL,\n'
		printf '    paid_at timestamptz, sent_at timestamptz);\nCOPY wh FROM STDIN;\n'
		wh_psql "$pay_db" -c "COPY (
			SELECT p.order_id, w.received_at, p.paid_at, o.sent_at
			FROM webhook_events w
			JOIN payments p ON p.order_id = substr(w.event_id, 7)::uuid AND p.status = 'SUCCESS'
			LEFT JOIN outbox o ON o.type = 'PAYMENT_SUCCESS' AND o.aggregate_id = p.id::text
			WHERE w.event_id LIKE 'bench-%') TO STDOUT"
		printf '\\.\n'
		cat <<-'SQL'
			CREATE TEMP TABLE l AS
			SELECT extract(epoch FROM h.created_at - wh.received_at)::float8 * 1000 AS total,
			       extract(epoch FROM wh.sent_at - wh.received_at)::float8 * 1000 AS pickup,
			       extract(epoch FROM h.created_at - wh.sent_at)::float8 * 1000 AS apply,
			       wh.paid_at IS DISTINCT FROM wh.received_at AS odd
			FROM wh JOIN order_status_history h ON h.order_id = wh.order_id AND h.to_status = 'PAID';
			SELECT count(*),
			       round(percentile_disc(0.5) WITHIN GROUP (ORDER BY total)::numeric, 2),
			       round(percentile_disc(0.99) WITHIN GROUP (ORDER BY total)::numeric, 2),
			       round(max(total)::numeric, 2), round(min(total)::numeric, 2),
			       round(percentile_disc(0.5) WITHIN GROUP (ORDER BY pickup)::numeric, 2),
			       round(percentile_disc(0.99) WITHIN GROUP (ORDER BY pickup)::numeric, 2),
			       round(max(pickup)::numeric, 2),
			       round(percentile_disc(0.5) WITHIN GROUP (ORDER BY apply)::numeric, 2),
			       round(percentile_disc(0.99) WITHIN GROUP (ORDER BY apply)::numeric, 2),
			       round(max(apply)::numeric, 2),
			       count(*) FILTER (WHERE odd), count(*) FILTER (WHERE pickup IS NULL)
			FROM l;
		SQL
	} >"$WH_DIR/latency.sql"
	local row odd nosent
	row=$(wh_psql "$ord_db" -f "$WH_DIR/latency.sql") || die "webhooks: the latency query failed ($WH_DIR/latency.sql)"
	IFS='|' read -r PAID_N PAID_P50 PAID_P99 PAID_MAX PAID_MIN PICK_P50 PICK_P99 PICK_MAX \
		APPLY_P50 APPLY_P99 APPLY_MAX odd nosent <<<"$row"
	((PAID_N == n)) || die "webhooks: $PAID_N of $n orders have both a webhook and a PAID row"
	((odd == 0)) || NOTES+=("webhook -> PAID: $odd payments have paid_at != webhook_events.received_at (not the webhook's transaction?)")
	((nosent == 0)) || NOTES+=("webhook -> PAID: $nosent PAYMENT_SUCCESS events without sent_at")
	if awk -v m="$PAID_MIN" 'BEGIN {exit !(m < 0)}'; then
		NOTES+=("webhook -> PAID: a negative latency ($PAID_MIN ms): the timestamps are not what they seem")
	fi

	# The webhook's own answer time, as nginx saw it ($request_time, ms);
	# the access log is buffered (flush=1s): wait for the last lines.
	sleep 1.2
	awk '/"POST \/payments\/webhook HTTP/ {for (i = 1; i <= NF; i++) if ($i ~ /^rt=/) print substr($i, 4) * 1000}' \
		"$LOG/nginx-access.log" >"$WH_DIR/rt.txt" 2>/dev/null || true
	WH_RT_P50=$(wh_ms "$WH_DIR/rt.txt" 0.5)
	WH_RT_P99=$(wh_ms "$WH_DIR/rt.txt" 0.99)
	note "$(printf '%-26s %4d orders  p50 %8s ms  p99 %8s ms  max %8s ms' "webhook -> PAID" "$PAID_N" "$PAID_P50" "$PAID_P99" "$PAID_MAX")"
}
