# shellcheck shell=bash
# shellcheck disable=SC2034 # SND_*: read by run.sh
# bench/sender.sh: the notification sender (workers/sender.c) against the
# SMTP stand-in, sourced by bench/run.sh (it uses run.sh's variables and
# helpers: note, die, BENCH_VAR, LOG, NOTES, EMAILS, EMAIL_BURST, the
# stack's NOTIFICATION_DATABASE_URL and SMTP_STUB_DIR).  The stand-in was
# started before the stack, so the stack's sender sends to it over SMTP.
#
# sender_measure:
#   1. latency: EMAILS notifications, one a transaction at EMAIL_RATE a
#      second (one psql session, a procedure committing after each row:
#      the rate is paced inside PostgreSQL), each recorded as the
#      notification service records it (PENDING, due now); every one
#      must become SENT (60 s); per message, from the row's created_at
#      (the start of its transaction: one clock with the next) to the
#      modification time of its file at the stand-in (written when DATA
#      ended, before the stand-in's 250), matched by Message-ID
#      (<id@domain>);
#   2. rate: EMAIL_BURST notifications in one transaction; every one must
#      become SENT; emails a second through the one sender = the number
#      over (the last sent_at - the commit), the commit being the
#      transaction's end as the client saw it (clock_timestamp() after).
#
# The issue's span is "event accepted -> message at the SMTP stand-in".
# Until the notification service consumes events, the row's insertion is
# the start: the consumer's own transaction (the event's claim and its
# rows, one commit) adds its few ms on top.
#
# Sets SND_N SND_P50 SND_P99 SND_MAX (ms), SND_RATE_N SND_RATE (emails a
# second), SND_DUP (messages at the stand-in beyond one per notification),
# and adds to NOTES.

# snd_psql ARGS...: psql on notification_db, quiet, unaligned, stop on error.
snd_psql() {
	psql "$NOTIFICATION_DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# snd_wait_sent TAG N SECS: waits until N notifications of recipient TAG
# are SENT; dies after SECS.
snd_wait_sent() {
	local tag=$1 n=$2 secs=$3 i got=0
	for ((i = 0; i < secs * 10; i++)); do
		got=$(snd_psql -c "SELECT count(*) FROM notifications WHERE recipient = '$tag' AND status = 'SENT'")
		((got >= n)) && return 0
		sleep 0.1
	done
	die "sender: $got of $n notifications SENT after ${secs}s (its log: $LOG/sender.log)"
}

# snd_files TAG: "<notification id> <mtime>" for every message at the
# stand-in to TAG, into $BENCH_VAR/sender.files; sets SND_FILES.
snd_files() {
	local tag=$1 f mid
	: >"$BENCH_VAR/sender.files"
	SND_FILES=0
	while IFS= read -r f; do
		mid=$(sed -n 's/^Message-ID: <\([0-9a-f-]*\)@.*/\1/p' "$f" | head -n 1)
		[[ -n $mid ]] || continue
		printf '%s %s\n' "$mid" "$(stat -c '%.9Y' "$f")" >>"$BENCH_VAR/sender.files"
		SND_FILES=$((SND_FILES + 1))
	done < <(grep -l -F "X-Stub-Rcpt-To: <$tag>" -r "$SMTP_STUB_DIR" 2>/dev/null)
}

# snd_latency: step 1.
snd_latency() {
	local tag=bench-latency@example.in rate=$EMAIL_RATE
	note "sender: $EMAILS emails, one every $((1000 / rate)) ms"
	snd_psql -c "CREATE PROCEDURE pg_temp.bench_put(n int, gap float8) LANGUAGE plpgsql AS \$\$
	BEGIN
		FOR i IN 1..n LOOP
			-- The pause first, in a transaction of its own: the row's
			-- created_at (its transaction's start) is its insertion.
			PERFORM pg_sleep(gap);
			COMMIT;
			INSERT INTO notifications (user_id, type, channel, recipient, subject, body, event_id)
			VALUES (gen_random_uuid(), 'ORDER_PAID', 'EMAIL', '$tag', 'Bench ' || i,
			        'Your order is paid: ₹1,500.00 (' || i || ')', gen_random_uuid());
			COMMIT;
		END LOOP;
	END \$\$" -c "CALL pg_temp.bench_put($EMAILS, 1.0 / $rate)"
	snd_wait_sent "$tag" "$EMAILS" 60
	snd_files "$tag"
	local stats
	stats=$(snd_psql -c "CREATE TEMP TABLE f (id uuid, at float8)" \
		-c "\\copy f FROM '$BENCH_VAR/sender.files' WITH (DELIMITER ' ')" \
		-c "WITH l AS (SELECT min(f.at - extract(epoch FROM n.created_at)) * 1000 AS ms
		      FROM notifications n JOIN f ON f.id = n.id WHERE n.recipient = '$tag' GROUP BY n.id)
		    SELECT count(*), round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		           round(percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		           round(max(ms)::numeric, 1) FROM l") || die "sender: the latency query failed"
	IFS='|' read -r SND_N SND_P50 SND_P99 SND_MAX <<<"$stats"
	SND_DUP=$((SND_FILES - SND_N))
	note "sender: $SND_N emails, created -> at the stand-in p50 $SND_P50 ms, p99 $SND_P99 ms, max $SND_MAX ms ($SND_DUP duplicates)"
}

# snd_rate: step 2.
snd_rate() {
	local tag=bench-rate@example.in out t0
	note "sender: $EMAIL_BURST emails at once"
	out=$(snd_psql -c "INSERT INTO notifications (user_id, type, channel, recipient, subject, body, event_id)
		SELECT gen_random_uuid(), 'ORDER_PAID', 'EMAIL', '$tag', 'Burst ' || g,
		       'Your order is paid: ₹1,500.00 (' || g || ')', gen_random_uuid()
		FROM generate_series(1, $EMAIL_BURST) g" -c "SELECT extract(epoch FROM clock_timestamp())")
	t0=$(tail -n 1 <<<"$out")
	snd_wait_sent "$tag" "$EMAIL_BURST" 120
	SND_RATE_N=$EMAIL_BURST
	SND_RATE=$(snd_psql -c "SELECT round(count(*) / extract(epoch FROM max(sent_at) - to_timestamp($t0)))
		FROM notifications WHERE recipient = '$tag'")
	note "sender: $SND_RATE_N emails sent at $SND_RATE a second through one sender"
}

sender_measure() {
	SND_DUP=0
	if ((EMAILS > 0)); then
		snd_latency
	fi
	if ((EMAIL_BURST > 0)); then
		snd_rate
	fi
	NOTES+=("sender: the span starts at the notification row's insertion (the events consumer does not exist yet); the stand-in's file time is its DATA end")
}
