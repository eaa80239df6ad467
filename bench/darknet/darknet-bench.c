/*
 * Times Darknet's own forward pass through libdarknet (Debian package darknet): the `darknet` binary's
 * `detector test` opens a window, so it cannot run headless.
 *   darknet-bench CFG WEIGHTS IMAGE [ITERATIONS] [WARMUP]
 * Loads the network (batch 1), letterboxes IMAGE to the network size exactly as `detector test` does, runs
 * network_predict WARMUP + ITERATIONS times and prints one JSON line: median/min latency of the timed runs,
 * CPU time per run, load time and the process's peak resident memory (getrusage ru_maxrss).
 */
#include <darknet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CFG WEIGHTS IMAGE [ITERATIONS] [WARMUP]\n", argv[0]);
        return 2;
    }
    int iterations = argc > 4 ? atoi(argv[4]) : 5;
    int warmup = argc > 5 ? atoi(argv[5]) : 1;
    if (iterations < 1 || iterations > 10000 || warmup < 0) {
        fprintf(stderr, "darknet-bench: bad ITERATIONS or WARMUP\n");
        return 2;
    }

    double t0 = now_ms();
    network *net = load_network(argv[1], argv[2], 0);
    set_batch_network(net, 1);
    double load_ms = now_ms() - t0;

    image im = load_image_color(argv[3], 0, 0);
    image sized = letterbox_image(im, network_width(net), network_height(net));

    for (int i = 0; i < warmup; i++) network_predict(net, sized.data);
    double *times = malloc(sizeof(double) * iterations);
    double cpu_start = cpu_ms();
    for (int i = 0; i < iterations; i++) {
        double s = now_ms();
        network_predict(net, sized.data);
        times[i] = now_ms() - s;
    }
    /* CPU time per run: on a loaded machine it shows the work apart from the waiting. */
    double cpu_per_run = (cpu_ms() - cpu_start) / iterations;
    qsort(times, iterations, sizeof(double), compare);
    double median = iterations % 2 ? times[iterations / 2] : (times[iterations / 2 - 1] + times[iterations / 2]) / 2;

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"engine\":\"darknet\",\"iterations\":%d,\"latency_median_ms\":%.3f,\"latency_min_ms\":%.3f,"
           "\"cpu_ms_per_run\":%.3f,\"load_ms\":%.1f,\"peak_resident_bytes\":%ld}\n",
           iterations, median, times[0], cpu_per_run, load_ms, (long)usage.ru_maxrss * 1024L);

    free(times);
    free_image(sized);
    free_image(im);
    free_network(net);
    return 0;
}
