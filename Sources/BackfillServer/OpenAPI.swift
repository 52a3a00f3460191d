/// The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`; docs/openapi.json is
/// the same text (a test keeps them equal, and its paths equal to the routes).
enum OpenAPI {
    static let document = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Backfill",
            "version": "1",
            "description": "backfill serve's API (docs/server.md). Every response carries X-Request-Id; every error is {\"error\": {\"code\", \"message\", \"request_id\"}}."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080"
            }
          ],
          "security": [
            {
              "apiKey": []
            },
            {
              "bearer": []
            }
          ],
          "paths": {
            "/": {
              "get": {
                "summary": "The dashboard (HTML; the key is entered in the page).",
                "responses": {
                  "200": {
                    "description": "The page.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/v1/health": {
              "get": {
                "summary": "Liveness: the process answers.",
                "responses": {
                  "200": {
                    "description": "Alive.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "status"
                          ],
                          "properties": {
                            "status": {
                              "type": "string",
                              "enum": [
                                "ok"
                              ]
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/v1/openapi.json": {
              "get": {
                "summary": "This document.",
                "responses": {
                  "200": {
                    "description": "OpenAPI 3.1.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/v1/ready": {
              "get": {
                "summary": "Readiness: the database answers and the provider's plugin is loaded.",
                "responses": {
                  "200": {
                    "description": "Ready.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "status",
                            "checks"
                          ],
                          "properties": {
                            "status": {
                              "type": "string"
                            },
                            "checks": {
                              "type": "object"
                            }
                          }
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "Not ready; checks says why.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "status",
                            "checks"
                          ],
                          "properties": {
                            "status": {
                              "type": "string"
                            },
                            "checks": {
                              "type": "object"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus metrics (text format 0.0.4).",
                "responses": {
                  "200": {
                    "description": "Metrics.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/symbols": {
              "get": {
                "summary": "The symbols.",
                "responses": {
                  "200": {
                    "description": "Symbols by name.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "symbols"
                          ],
                          "properties": {
                            "symbols": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Symbol"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "active",
                    "in": "query",
                    "required": false,
                    "description": "Only active (true) or inactive (false) symbols.",
                    "schema": {
                      "type": "boolean"
                    }
                  }
                ]
              },
              "post": {
                "summary": "Add a symbol (the Python service's request, exactly; also ticker).",
                "responses": {
                  "201": {
                    "description": "Added.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Symbol"
                        }
                      }
                    }
                  },
                  "200": {
                    "description": "It already existed (reactivated if it was inactive).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Symbol"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewSymbol"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/symbols/{symbol}": {
              "patch": {
                "summary": "Reactivate a symbol or set its ticker (active: false deactivates).",
                "responses": {
                  "200": {
                    "description": "The symbol.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Symbol"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  }
                ],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/SymbolChange"
                      }
                    }
                  }
                }
              },
              "delete": {
                "summary": "Deactivate a symbol (its history is kept).",
                "responses": {
                  "200": {
                    "description": "The symbol, inactive.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Symbol"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  }
                ]
              }
            },
            "/api/v1/symbols/{symbol}/events": {
              "get": {
                "summary": "The symbol's stored splits, dividends and earnings reports, by date (docs/export.md has the fields).",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  },
                  {
                    "name": "kinds",
                    "in": "query",
                    "required": false,
                    "description": "Comma-separated kinds: split, dividend, earnings, ticker_change (default all).",
                    "schema": {
                      "type": "string",
                      "pattern": "^(split|dividend|earnings|ticker_change)(,(split|dividend|earnings|ticker_change))*$"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The events.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "symbol",
                            "events"
                          ],
                          "properties": {
                            "symbol": {
                              "type": "string"
                            },
                            "events": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Event"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/runs": {
              "get": {
                "summary": "Run history, newest first.",
                "responses": {
                  "200": {
                    "description": "A page of runs; next is the following page (null at the end).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "runs",
                            "next"
                          ],
                          "properties": {
                            "runs": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Run"
                              }
                            },
                            "next": {
                              "type": [
                                "string",
                                "null"
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Runs per page (default 20).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 200
                    }
                  },
                  {
                    "name": "before",
                    "in": "query",
                    "required": false,
                    "description": "Runs with an id below this.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1
                    }
                  }
                ]
              },
              "post": {
                "summary": "Start a run with backfill run's options.",
                "responses": {
                  "202": {
                    "description": "Started; the runs row exists.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "id",
                            "status",
                            "url"
                          ],
                          "properties": {
                            "id": {
                              "type": "integer"
                            },
                            "status": {
                              "type": "string"
                            },
                            "url": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    },
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RunOptions"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/runs/{id}": {
              "get": {
                "summary": "One run: its row and its results document (docs/results-json.md).",
                "responses": {
                  "200": {
                    "description": "The run.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "run",
                            "results"
                          ],
                          "properties": {
                            "run": {
                              "$ref": "#/components/schemas/Run"
                            },
                            "results": {
                              "type": [
                                "object",
                                "null"
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "The run's id.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1
                    }
                  }
                ]
              }
            },
            "/api/v1/runs/{id}/stop": {
              "post": {
                "summary": "Ask the running run for its clean stop.",
                "responses": {
                  "202": {
                    "description": "Stopping.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "id",
                            "status"
                          ],
                          "properties": {
                            "id": {
                              "type": "integer"
                            },
                            "status": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "description": "The run's id.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1
                    }
                  }
                ]
              }
            },
            "/api/v1/matrix": {
              "get": {
                "summary": "The completeness matrix from the store.",
                "responses": {
                  "200": {
                    "description": "JSON, text (as backfill matrix prints it) or an SVG heatmap.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "range",
                            "timeframes",
                            "symbols"
                          ],
                          "properties": {
                            "range": {
                              "$ref": "#/components/schemas/Range"
                            },
                            "timeframes": {
                              "type": "array",
                              "items": {
                                "type": "string"
                              }
                            },
                            "symbols": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "symbol",
                                  "cells"
                                ],
                                "properties": {
                                  "symbol": {
                                    "type": "string"
                                  },
                                  "cells": {
                                    "type": "object",
                                    "additionalProperties": {
                                      "type": "object",
                                      "required": [
                                        "mark",
                                        "status",
                                        "expected",
                                        "present",
                                        "gaps"
                                      ],
                                      "properties": {
                                        "mark": {
                                          "type": "string"
                                        },
                                        "status": {
                                          "type": "string"
                                        },
                                        "expected": {
                                          "type": "integer"
                                        },
                                        "present": {
                                          "type": "integer"
                                        },
                                        "gaps": {
                                          "type": "integer"
                                        },
                                        "percent": {
                                          "type": "number"
                                        }
                                      }
                                    }
                                  }
                                }
                              }
                            }
                          }
                        }
                      },
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      },
                      "image/svg+xml": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/reportSymbols"
                  },
                  {
                    "$ref": "#/components/parameters/reportTimeframes"
                  },
                  {
                    "$ref": "#/components/parameters/reportDays"
                  },
                  {
                    "$ref": "#/components/parameters/reportStart"
                  },
                  {
                    "$ref": "#/components/parameters/reportEnd"
                  },
                  {
                    "$ref": "#/components/parameters/reportProvider"
                  },
                  {
                    "name": "percent",
                    "in": "query",
                    "required": false,
                    "description": "Add each cell's share of expected bars present.",
                    "schema": {
                      "type": "boolean"
                    }
                  },
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "description": "json (default), text or svg.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "json",
                        "text",
                        "svg"
                      ]
                    }
                  }
                ]
              }
            },
            "/api/v1/gaps": {
              "get": {
                "summary": "Missing bars as gaps with their class.",
                "responses": {
                  "200": {
                    "description": "Gaps.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "range",
                            "gaps"
                          ],
                          "properties": {
                            "range": {
                              "$ref": "#/components/schemas/Range"
                            },
                            "gaps": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Gap"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": false,
                    "description": "One symbol.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "timeframe",
                    "in": "query",
                    "required": false,
                    "description": "One timeframe.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "class",
                    "in": "query",
                    "required": false,
                    "description": "Comma-separated classes: fetch_failed, provider_empty, suspect, pending.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "$ref": "#/components/parameters/reportDays"
                  },
                  {
                    "$ref": "#/components/parameters/reportStart"
                  },
                  {
                    "$ref": "#/components/parameters/reportEnd"
                  },
                  {
                    "$ref": "#/components/parameters/reportProvider"
                  }
                ]
              }
            },
            "/api/v1/series/{symbol}/{timeframe}/candles": {
              "get": {
                "summary": "Stored candles, streamed.",
                "responses": {
                  "200": {
                    "description": "JSON or CSV (ts,open,high,low,close,volume,vwap,trades).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "symbol",
                            "timeframe",
                            "candles",
                            "next"
                          ],
                          "properties": {
                            "symbol": {
                              "type": "string"
                            },
                            "timeframe": {
                              "type": "string"
                            },
                            "candles": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "properties": {
                                  "open": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "high": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "low": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "close": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "volume": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "vwap": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "trades": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "ts": {
                                    "type": "integer"
                                  },
                                  "time": {
                                    "type": "string"
                                  }
                                }
                              }
                            },
                            "next": {
                              "type": [
                                "string",
                                "null"
                              ]
                            }
                          }
                        }
                      },
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  },
                  {
                    "$ref": "#/components/parameters/seriesTimeframe"
                  },
                  {
                    "$ref": "#/components/parameters/streamStart"
                  },
                  {
                    "$ref": "#/components/parameters/reportEnd"
                  },
                  {
                    "$ref": "#/components/parameters/streamFormat"
                  },
                  {
                    "$ref": "#/components/parameters/streamLimit"
                  }
                ]
              }
            },
            "/api/v1/series/{symbol}/{timeframe}/features": {
              "get": {
                "summary": "Stored features, streamed.",
                "responses": {
                  "200": {
                    "description": "JSON or CSV (ts,ret_1,...,slope_20).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "symbol",
                            "timeframe",
                            "features",
                            "next"
                          ],
                          "properties": {
                            "symbol": {
                              "type": "string"
                            },
                            "timeframe": {
                              "type": "string"
                            },
                            "features": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "properties": {
                                  "ret_1": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "logret_1": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "vol_20": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "atr_14": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "natr_14": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "sma_20": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "ema_20": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "rsi_14": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "slope_20": {
                                    "type": [
                                      "number",
                                      "null"
                                    ]
                                  },
                                  "ts": {
                                    "type": "integer"
                                  },
                                  "time": {
                                    "type": "string"
                                  }
                                }
                              }
                            },
                            "next": {
                              "type": [
                                "string",
                                "null"
                              ]
                            }
                          }
                        }
                      },
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  },
                  {
                    "$ref": "#/components/parameters/seriesTimeframe"
                  },
                  {
                    "$ref": "#/components/parameters/streamStart"
                  },
                  {
                    "$ref": "#/components/parameters/reportEnd"
                  },
                  {
                    "$ref": "#/components/parameters/streamFormat"
                  },
                  {
                    "$ref": "#/components/parameters/streamLimit"
                  }
                ]
              }
            },
            "/api/v1/series/{symbol}/{timeframe}/sessions": {
              "get": {
                "summary": "The series' sessions with expected and present bars, and its gaps.",
                "responses": {
                  "200": {
                    "description": "JSON or an SVG calendar heatmap.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "symbol",
                            "timeframe",
                            "range",
                            "mark",
                            "sessions",
                            "gaps"
                          ],
                          "properties": {
                            "symbol": {
                              "type": "string"
                            },
                            "timeframe": {
                              "type": "string"
                            },
                            "range": {
                              "$ref": "#/components/schemas/Range"
                            },
                            "mark": {
                              "type": [
                                "string",
                                "null"
                              ]
                            },
                            "sessions": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "date",
                                  "expected",
                                  "present"
                                ],
                                "properties": {
                                  "date": {
                                    "type": "string"
                                  },
                                  "expected": {
                                    "type": "integer"
                                  },
                                  "present": {
                                    "type": "integer"
                                  }
                                }
                              }
                            },
                            "gaps": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Gap"
                              }
                            }
                          }
                        }
                      },
                      "image/svg+xml": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "$ref": "#/components/parameters/seriesSymbol"
                  },
                  {
                    "$ref": "#/components/parameters/seriesTimeframe"
                  },
                  {
                    "$ref": "#/components/parameters/reportDays"
                  },
                  {
                    "$ref": "#/components/parameters/reportStart"
                  },
                  {
                    "$ref": "#/components/parameters/reportEnd"
                  },
                  {
                    "$ref": "#/components/parameters/reportProvider"
                  },
                  {
                    "name": "format",
                    "in": "query",
                    "required": false,
                    "description": "json (default) or svg.",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "json",
                        "svg"
                      ]
                    }
                  }
                ]
              }
            },
            "/api/v1/schedules": {
              "get": {
                "summary": "The schedules with their next three fires.",
                "responses": {
                  "200": {
                    "description": "Schedules by name.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "schedules"
                          ],
                          "properties": {
                            "schedules": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Schedule"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              },
              "post": {
                "summary": "Add a schedule (admin).",
                "responses": {
                  "201": {
                    "description": "Added.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Schedule"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewSchedule"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/schedules/{name}": {
              "delete": {
                "summary": "Remove a schedule (admin).",
                "responses": {
                  "200": {
                    "description": "Removed.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "name",
                            "removed"
                          ],
                          "properties": {
                            "name": {
                              "type": "string"
                            },
                            "removed": {
                              "type": "boolean"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "description": "The schedule's name.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/schedules/{name}/fire": {
              "post": {
                "summary": "Fire a schedule now (skipped, 409, while its previous job runs).",
                "responses": {
                  "202": {
                    "description": "Started.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "schedule",
                            "id",
                            "status"
                          ],
                          "properties": {
                            "schedule": {
                              "type": "string"
                            },
                            "id": {
                              "type": [
                                "integer",
                                "null"
                              ]
                            },
                            "status": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "description": "The schedule's name.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ]
              }
            },
            "/api/v1/audit": {
              "get": {
                "summary": "Changes made through the service, newest first (admin).",
                "responses": {
                  "200": {
                    "description": "Audit entries.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "entries"
                          ],
                          "properties": {
                            "entries": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "at",
                                  "key",
                                  "action",
                                  "detail",
                                  "request_id"
                                ],
                                "properties": {
                                  "at": {
                                    "type": "string"
                                  },
                                  "key": {
                                    "type": "string"
                                  },
                                  "action": {
                                    "type": "string"
                                  },
                                  "detail": {
                                    "type": "string"
                                  },
                                  "request_id": {
                                    "type": [
                                      "string",
                                      "null"
                                    ]
                                  }
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Entries (default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  }
                ]
              }
            }
          },
          "components": {
            "securitySchemes": {
              "apiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key"
              },
              "bearer": {
                "type": "http",
                "scheme": "bearer"
              }
            },
            "parameters": {
              "reportDays": {
                "name": "days",
                "in": "query",
                "required": false,
                "description": "Days back from today 00:00 UTC (default: run.days).",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 36500
                }
              },
              "reportEnd": {
                "name": "end",
                "in": "query",
                "required": false,
                "description": "End, UTC, exclusive.",
                "schema": {
                  "type": "string"
                }
              },
              "reportProvider": {
                "name": "provider",
                "in": "query",
                "required": false,
                "description": "Count only this provider's coverage and use its bar stamping.",
                "schema": {
                  "type": "string"
                }
              },
              "reportStart": {
                "name": "start",
                "in": "query",
                "required": false,
                "description": "Start, UTC, inclusive (YYYY-MM-DD or ISO-8601).",
                "schema": {
                  "type": "string"
                }
              },
              "reportSymbols": {
                "name": "symbols",
                "in": "query",
                "required": false,
                "description": "Comma-separated symbols (default: run.symbols, else the active symbols).",
                "schema": {
                  "type": "string"
                }
              },
              "reportTimeframes": {
                "name": "timeframes",
                "in": "query",
                "required": false,
                "description": "Comma-separated timeframes (default: run.timeframes).",
                "schema": {
                  "type": "string"
                }
              },
              "seriesSymbol": {
                "name": "symbol",
                "in": "path",
                "required": true,
                "description": "The symbol.",
                "schema": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9:_-][A-Za-z0-9.:_-]{0,31}$"
                }
              },
              "seriesTimeframe": {
                "name": "timeframe",
                "in": "path",
                "required": true,
                "description": "The timeframe.",
                "schema": {
                  "type": "string",
                  "enum": [
                    "1m",
                    "5m",
                    "15m",
                    "30m",
                    "1h",
                    "4h",
                    "1d",
                    "1w"
                  ]
                }
              },
              "streamFormat": {
                "name": "format",
                "in": "query",
                "required": false,
                "description": "json (default) or csv.",
                "schema": {
                  "type": "string",
                  "enum": [
                    "json",
                    "csv"
                  ]
                }
              },
              "streamLimit": {
                "name": "limit",
                "in": "query",
                "required": false,
                "description": "Rows at most (default 10000); JSON's next is the following page.",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 100000
                }
              },
              "streamStart": {
                "name": "start",
                "in": "query",
                "required": false,
                "description": "Start, UTC, inclusive (YYYY-MM-DD, ISO-8601 or epoch ms).",
                "schema": {
                  "type": "string"
                }
              }
            },
            "responses": {
              "Error": {
                "description": "An error.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "error"
                ],
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message",
                      "request_id"
                    ],
                    "properties": {
                      "code": {
                        "type": "string"
                      },
                      "message": {
                        "type": "string"
                      },
                      "request_id": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "Symbol": {
                "type": "object",
                "required": [
                  "symbol",
                  "asset_class",
                  "active",
                  "ticker",
                  "added_at"
                ],
                "properties": {
                  "symbol": {
                    "type": "string"
                  },
                  "asset_class": {
                    "type": "string",
                    "enum": [
                      "stock",
                      "etf",
                      "crypto",
                      "forex",
                      "index"
                    ]
                  },
                  "active": {
                    "type": "boolean"
                  },
                  "ticker": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "added_at": {
                    "type": "string"
                  }
                }
              },
              "NewSymbol": {
                "type": "object",
                "required": [
                  "symbol",
                  "asset_class"
                ],
                "additionalProperties": false,
                "properties": {
                  "symbol": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9:_-][A-Za-z0-9.:_-]{0,31}$",
                    "description": "1-32 characters: letters, digits and . : - _"
                  },
                  "asset_class": {
                    "type": "string",
                    "enum": [
                      "stock",
                      "etf",
                      "crypto",
                      "forex",
                      "index"
                    ]
                  },
                  "ticker": {
                    "type": "string",
                    "description": "The provider's ticker when it differs (X:BTCUSD)."
                  }
                }
              },
              "SymbolChange": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "active": {
                    "type": "boolean"
                  },
                  "ticker": {
                    "type": "string"
                  }
                }
              },
              "Run": {
                "type": "object",
                "required": [
                  "id",
                  "status",
                  "trigger",
                  "started_at",
                  "finished_at",
                  "duration_seconds",
                  "pairs",
                  "candles",
                  "gaps",
                  "exit_code",
                  "gaps_remaining_by_class"
                ],
                "properties": {
                  "id": {
                    "type": "integer"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "running",
                      "complete",
                      "incomplete",
                      "failed",
                      "interrupted",
                      "abandoned"
                    ]
                  },
                  "trigger": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "started_at": {
                    "type": "string"
                  },
                  "finished_at": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "duration_seconds": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "pairs": {
                    "type": "integer"
                  },
                  "candles": {
                    "type": "integer"
                  },
                  "gaps": {
                    "type": "integer"
                  },
                  "exit_code": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "gaps_remaining_by_class": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer"
                    }
                  }
                }
              },
              "RunOptions": {
                "type": "object",
                "additionalProperties": false,
                "description": "backfill run's flags without dashes, in snake case; each is checked as the flag is.",
                "properties": {
                  "symbols": {
                    "oneOf": [
                      {
                        "type": "string"
                      },
                      {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    ]
                  },
                  "timeframes": {
                    "oneOf": [
                      {
                        "type": "string"
                      },
                      {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    ]
                  },
                  "days": {
                    "type": "integer"
                  },
                  "start": {
                    "type": "string"
                  },
                  "end": {
                    "type": "string"
                  },
                  "concurrency": {
                    "type": "integer"
                  },
                  "rate": {
                    "type": "number"
                  },
                  "retries": {
                    "type": "integer"
                  },
                  "settle_hours": {
                    "type": "number"
                  },
                  "page_size": {
                    "type": "integer"
                  },
                  "wait_lock": {
                    "type": "integer"
                  },
                  "events": {
                    "type": "boolean"
                  },
                  "verify": {
                    "type": "boolean"
                  },
                  "features": {
                    "type": "boolean"
                  },
                  "force": {
                    "type": "boolean"
                  },
                  "results": {
                    "type": "string"
                  },
                  "provider": {
                    "type": "string"
                  },
                  "provider_options": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                }
              },
              "Gap": {
                "type": "object",
                "required": [
                  "symbol",
                  "timeframe",
                  "class",
                  "start",
                  "end",
                  "missing",
                  "attempts"
                ],
                "properties": {
                  "symbol": {
                    "type": "string"
                  },
                  "timeframe": {
                    "type": "string"
                  },
                  "class": {
                    "type": "string",
                    "enum": [
                      "fetch_failed",
                      "provider_empty",
                      "suspect",
                      "pending"
                    ]
                  },
                  "start": {
                    "type": "string"
                  },
                  "end": {
                    "type": "string"
                  },
                  "missing": {
                    "type": "integer"
                  },
                  "attempts": {
                    "type": "integer"
                  },
                  "reason": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "enum": [
                      "before_listing",
                      "after_delisting",
                      null
                    ],
                    "description": "why a provider_empty gap is no hole: before the symbol's listing or after its delisting (null otherwise)"
                  }
                }
              },
              "Range": {
                "type": "object",
                "required": [
                  "start",
                  "end"
                ],
                "properties": {
                  "start": {
                    "type": "string"
                  },
                  "end": {
                    "type": "string"
                  }
                }
              },
              "Schedule": {
                "type": "object",
                "required": [
                  "name",
                  "cron",
                  "timezone",
                  "job",
                  "command",
                  "created_at",
                  "next_fires",
                  "last_fire_at",
                  "last_run_id",
                  "last_status",
                  "last_success_at",
                  "skipped"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "cron": {
                    "type": "string"
                  },
                  "timezone": {
                    "type": "string"
                  },
                  "job": {
                    "type": "string",
                    "enum": [
                      "run",
                      "features"
                    ]
                  },
                  "command": {
                    "type": "string"
                  },
                  "created_at": {
                    "type": "string"
                  },
                  "next_fires": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "last_fire_at": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "last_run_id": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "last_status": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "last_success_at": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "skipped": {
                    "type": "integer"
                  }
                }
              },
              "NewSchedule": {
                "type": "object",
                "required": [
                  "name",
                  "cron"
                ],
                "additionalProperties": false,
                "properties": {
                  "name": {
                    "type": "string",
                    "description": "1-64 letters, digits and . _ -"
                  },
                  "cron": {
                    "type": "string",
                    "description": "Five fields: minute hour day-of-month month day-of-week."
                  },
                  "timezone": {
                    "type": "string",
                    "description": "IANA name (default UTC)."
                  },
                  "job": {
                    "type": "string",
                    "enum": [
                      "run",
                      "features"
                    ]
                  },
                  "options": {
                    "type": "object",
                    "description": "The job's fields (RunOptions for run; symbols, timeframes, concurrency for features)."
                  }
                }
              },
              "Event": {
                "type": "object",
                "required": [
                  "symbol",
                  "kind",
                  "date",
                  "split_from",
                  "split_to",
                  "cash_amount",
                  "pay_date",
                  "record_date",
                  "declaration_date",
                  "provider",
                  "report_time",
                  "fiscal_year",
                  "fiscal_period",
                  "eps_estimate",
                  "eps_actual",
                  "revenue_estimate",
                  "revenue_actual",
                  "currency",
                  "ticker"
                ],
                "properties": {
                  "symbol": {
                    "type": "string"
                  },
                  "kind": {
                    "type": "string",
                    "enum": [
                      "split",
                      "dividend",
                      "earnings",
                      "ticker_change"
                    ]
                  },
                  "date": {
                    "type": "string",
                    "format": "date",
                    "description": "The execution, ex-dividend, report or (ticker change) first trading date."
                  },
                  "split_from": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "split_to": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "cash_amount": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "pay_date": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date"
                  },
                  "record_date": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date"
                  },
                  "declaration_date": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date"
                  },
                  "provider": {
                    "type": "string"
                  },
                  "report_time": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "enum": [
                      "before_open",
                      "after_close",
                      "during_market",
                      "unknown",
                      null
                    ]
                  },
                  "fiscal_year": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "fiscal_period": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "eps_estimate": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "eps_actual": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "revenue_estimate": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "revenue_actual": {
                    "type": [
                      "number",
                      "null"
                    ]
                  },
                  "currency": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "ticker": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "description": "A ticker change's new ticker (in the provider's notation): the security trades under it from `date`."
                  }
                }
              }
            }
          }
        }
        """#
}
