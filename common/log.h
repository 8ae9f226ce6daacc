/* Logging: one JSON line per request (log_request) and free-form lines
 * for everything else, all on stderr (the pool points it at LOG_FILE). */
#ifndef LOG_H
#define LOG_H
void log_open(const char *service);
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warn", __VA_ARGS__)
#define log_err(...)  log_msg("error", __VA_ARGS__)
void log_request(const char *rid, const char *method, const char *path,
    int status, double ms, const char *user);
#endif
