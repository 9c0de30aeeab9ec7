# reference-proc.R — AUC, DeLong variance and CI, and roc.test from R's pROC, for test-stats-reference
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: Rscript reference-proc.R SCORES.csv...
# Reads each scores table (hand, frame, label, model, p_cts) and prints "dataset NAME" (the file
# name without .csv), then for every model at image
# level (each row on its own) and at hand level (mean p_cts per hand), lines of
#   auc LEVEL MODEL value
#   var LEVEL MODEL value
#   ci LEVEL MODEL low high
# and for every pair of models
#   test LEVEL A B paired statistic p ci_low ci_high   (the CI of the difference when paired)
# with numbers in %.17g. Exit status 3 when pROC is missing (the test then skips).

if (!suppressMessages(suppressWarnings(requireNamespace("pROC", quietly = TRUE)))) {
  quit(status = 3)
}
suppressMessages(library(pROC))

fmt <- function(x) sprintf("%.17g", x)

level_data <- function(scores, model, level) {
  d <- scores[scores$model == model, ]
  if (level == "hand") {
    # Hands in order of first appearance; the mean of each hand's frames.
    hands <- unique(d$hand)
    p <- sapply(hands, function(h) mean(d$p_cts[d$hand == h]))
    y <- sapply(hands, function(h) d$y[d$hand == h][1])
    key <- hands
  } else {
    o <- order(d$hand, d$frame)
    d <- d[o, ]
    p <- d$p_cts
    y <- d$y
    key <- paste(d$hand, d$frame)
  }
  list(p = unname(p), y = unname(y), key = unname(key))
}

evaluate_file <- function(path) {
  scores <- read.csv(path, stringsAsFactors = FALSE, colClasses = c(hand = "character"))
  scores$y <- ifelse(scores$label %in% c("cts", "1"), 1, 0)
  models <- unique(scores$model)
  cat("dataset", sub("[.]csv$", "", basename(path)), "\n")
  for (level in c("image", "hand")) {
    data <- lapply(models, function(m) level_data(scores, m, level))
    rocs <- lapply(data, function(d) {
      roc(response = d$y, predictor = d$p, levels = c(0, 1), direction = "<", quiet = TRUE)
    })
    for (i in seq_along(models)) {
      r <- rocs[[i]]
      cat("auc", level, models[i], fmt(as.numeric(auc(r))), "\n")
      v <- suppressWarnings(var(r, method = "delong"))
      cat("var", level, models[i], fmt(v), "\n")
      ci <- suppressWarnings(ci.auc(r, method = "delong", conf.level = 0.95))
      cat("ci", level, models[i], fmt(ci[1]), fmt(ci[3]), "\n")
    }
    if (length(models) >= 2) {
      for (a in 1:(length(models) - 1)) {
        for (b in (a + 1):length(models)) {
          ka <- data[[a]]$key
          kb <- data[[b]]$key
          paired <- length(ka) == length(kb) && all(ka == kb)
          t <- suppressWarnings(roc.test(rocs[[a]], rocs[[b]], method = "delong", paired = paired))
          ci <- if (paired) t$conf.int else c(NA, NA)
          cat("test", level, models[a], models[b], if (paired) "1" else "0",
              fmt(unname(t$statistic)), fmt(t$p.value), fmt(ci[1]), fmt(ci[2]), "\n")
        }
      }
    }
  }
}

for (path in commandArgs(trailingOnly = TRUE)) {
  evaluate_file(path)
}
