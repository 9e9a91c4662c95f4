// RUN: rapid-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{chips must be the torus size [X, Y] with X, Y >= 1}}
func.func @chips() attributes {test.s = #rapid.spatial<data, chips = [4], cores = 32>}

// -----

// expected-error @+1 {{chips must be the torus size [X, Y] with X, Y >= 1}}
func.func @chips_zero() attributes {test.s = #rapid.spatial<data, chips = [0, 4], cores = 32>}

// -----

// expected-error @+1 {{cores must be >= 1, got 0}}
func.func @cores() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 0>}

// -----

// expected-error @+1 {{split of dimension 'ij' must be >= 1}}
func.func @split() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {}, core_split = {ij = 0}>}

// -----

// expected-error @+1 {{core_split uses 64 cores but a chip has 32}}
func.func @cores_exceeded() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {}, core_split = {out = 8, ij = 8}>}

// -----

// expected-error @+1 {{chip_split uses 32 chips but the torus has 16}}
func.func @chips_exceeded() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {mb = 32}, core_split = {}>}

// -----

// expected-error @+1 {{data parallelism splits only 'mb' across chips}}
func.func @data() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, chip_split = {mb = 4, out = 4}, core_split = {}>}

// -----

// expected-error @+1 {{model parallelism does not split 'mb' across chips}}
func.func @model() attributes {test.s = #rapid.spatial<model, chips = [4, 4], cores = 32, chip_split = {mb = 2, out = 8}, core_split = {}>}

// -----

// expected-error @+1 {{data_x_model_y splits 'mb' along X (at most 4) and the other dimensions along Y (at most 16), got mb = 8 and 2}}
func.func @data_x_model_y() attributes {test.s = #rapid.spatial<data_x_model_y, chips = [4, 16], cores = 32, chip_split = {mb = 8, out = 2}, core_split = {}>}

// -----

// expected-error @+1 {{model_x_data_y splits the model dimensions along X (at most 4) and 'mb' along Y (at most 16), got 8 and mb = 2}}
func.func @model_x_data_y() attributes {test.s = #rapid.spatial<model_x_data_y, chips = [4, 16], cores = 32, chip_split = {mb = 2, out = 8}, core_split = {}>}

// -----

// expected-error @+1 {{spatial_minibatch must be >= 1, got 0}}
func.func @spatial_minibatch() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, spatial_minibatch = 0>}

// -----

// expected-error @+1 {{lx_reserved must be >= 0, got -8}}
func.func @lx_reserved() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, lx_reserved = -8>}

// -----

// expected-error @+1 {{pipeline_stage must be >= 0, got -2}}
func.func @pipeline_stage() attributes {test.s = #rapid.spatial<model, chips = [2, 1], cores = 32, pipeline_stage = -2>}

// -----

// expected-error @+1 {{unknown #rapid.spatial clause 'hold'; expected chip_split, core_split, spatial_minibatch, hold_output, input_on_chip, preload_weights, lx_reserved or pipeline_stage}}
func.func @clause() attributes {test.s = #rapid.spatial<data, chips = [4, 4], cores = 32, hold>}
