"""The Theano 1.0.5 public names deliberately absent here: (module, kind, reason, names).

kind is "names" or "modules" (submodules: importing them raises an ImportError with the
reason). Each reason says why and what to use instead. Read by theano.compat.absent; the names
are those of tests/data/theano105/inventory.json (recorded from a real Theano 1.0.5) that
this implementation does not provide. The old CUDA backend (theano.sandbox.cuda) is listed too.
"""
from __future__ import annotations

__all__ = ["GROUPS"]

_CLINK = ("Theano's C-code linkers, virtual machines and compile machinery; here each backend compiles the "
    'graph itself (choose it with THEANO_FLAGS=device=..., see `python -m theano backends`)')
_COMPILE_INTERNAL = ("an internal of Theano's function compilation (FunctionMaker, fgraph features, input conversion, "
    'profiling classes); use theano.function (profile=True for profiles)')
_CONFIG = ("Theano's configuration machinery; set flags with THEANO_FLAGS or `theano.config.<flag> = value` "
    '(theano.change_flags sets them temporarily)')
_CONTIG = ('arrays are made contiguous by the backends where they need it; use x itself')
_CONV_OLD = ("Theano's legacy convolution ops and helpers (ConvOp, corr, corr3d, blocksparse); use "
    'theano.tensor.nnet.conv2d/conv3d')
_DEBUG = ("Theano's DebugMode and MonitorMode classes; pass mode='DebugMode' (which checks aliasing on "
    'every call here) or profile=True')
_GPU = ("Theano's libgpuarray/pygpu GPU backend is not part of this implementation (Theano 1.0.5 without "
    'pygpu could not use it either); run on the GPU with THEANO_FLAGS=device=cuda')
_GRADOPS = ("the op classes and instances behind Theano's gradient helpers; use the functions (zero_grad, "
    'disconnected_grad, consider_constant, grad_clip)')
_IFELSE = ("ifelse's graph optimizations (merging and lifting conditionals); ifelse here is lazy without "
    'them')
_IMPL = ("an implementation detail of Theano's version of this module (a helper op, constant or function "
    "of its C code or its graph rewriting); the module's public functions do the computation here")
_IMPL_OPCLASS = ("Theano's op class; the module's function (cumsum, cumprod, diff, tensorinv, tensorsolve, qr, "
    "pool_2d's gradient) builds the op of this implementation")
_IMPL_T = ("Theano's op class or internal helper of tensor.basic/subtensor; the public functions (x[mask], "
    'set_subtensor, inc_subtensor, flatten, mean, argmax, tri, diff, constant ...) do this here')
_LEAKED = ("a module-level variable that Theano 1.0.5's __init__ leaked from a loop; it has no meaning")
_LOG = ("Theano's logging setup; use the 'theano' logger of Python's logging module")
_MPI = ("Theano's experimental MPI send/receive ops; use theano.distributed for data-parallel training "
    'over MPI')
_MRG = ("the MRG31k3p generator's internals (its constants, the mrg_uniform op, its rewrites); use "
    'theano.sandbox.rng_mrg.MRG_RandomStreams')
_NNET_NOTIMPL = ('not implemented here; build it from softmax, dot and conv2d (hierarchical softmax, separable '
    'convolution) or compute it with numpy on the values (confusion_matrix)')
_NOTIMPL_GRADFN = ('this gradient helper is not implemented here; theano.grad(cost, wrt, known_grads=..., '
    'consider_constant=...) and theano.gradient.zero_grad/disconnected_grad/grad_clip cover its uses')
_NOTIMPL_MISC = ('theano.misc (pkl_utils, safe_asarray, may_share_memory helpers ...) is not part of this '
    'implementation; pickle functions and shared variables with pickle')
_NOTIMPL_SCANCKPT = ('scan_checkpoints is not implemented here; use theano.scan (its gradient stores every step)')
_NOTIMPL_SPARSEGRAD = ('sparse_grad is not implemented here: the gradient of advanced indexing is dense; use the '
    'indexing directly')
_NOTIMPL_T = ('not implemented here; write it with indexing and arithmetic (x[idx], T.switch, T.eq ...) or '
    'numpy on the values')
_NULLTYPE = ('NullType is theano.gradient.NullType here')
_OFG = ('OpFromGraph is not implemented here; write the subgraph as a Python function that builds it '
    '(theano.clone copies a graph with replacements)')
_OPT = ("Theano's optimizer framework and its registered optimizations; the rewrites here are "
    "theano.rewrite's (register_rewrite, node_rewriter), selected with the optimizer, "
    'optimizer_including and optimizer_excluding flags')
_PARAMS = ("Theano's C parameter types (ParamsType, EnumList, CEnumType ...); ops here keep their "
    'parameters as plain Python attributes')
_PRINTERS = ("Theano's pretty-printer classes and helpers; theano.printing.pprint, debugprint and pydotprint "
    'print graphs here')
_RAWRANDOM = ("Theano's raw random-op functions; draw through theano.tensor.shared_randomstreams.RandomStreams "
    'or MRG_RandomStreams')
_REEXPORT = ("a name Theano's module merely re-exported from elsewhere; import it from its own module "
    '(theano, theano.tensor, theano.compile)')
_SCAN = ("scan's internals (its op, optimizations and graph helpers); theano.scan, "
    'theano.scan_module.scan_utils.clone and equal_computations are here')
_SLICE = ("Theano's symbolic slice and None types (for graphs of slices); index tensors directly with "
    'Python slices')
_SPARSE = ("this sparse op of Theano's is not implemented here; convert with "
    'theano.sparse.dense_from_sparse and use the tensor op (csr_from_dense/csc_from_dense convert '
    'back)')
_SPARSE_INTERNAL = ("an internal op of Theano's sparse module (building CSR/CSC from their arrays, gradients of "
    'structured_dot, usmm fusion); the public sparse functions (dot, structured_dot, add, mul, ...) '
    'do this here')
_SPECIAL = ("this special function of Theano's is not implemented here as a symbolic op (scipy.special has "
    'it for values; erf, erfc, gamma, gammaln, psi are here)')
_TESTMIX = ("a mixin for testing Theano's own ops' C code and optimizations; use "
    "theano.tests.unittest_tools.verify_grad and assert_allclose, and theano.function's outputs")
_TESTS = ("Theano's own test runner (nose); run your tests with pytest")
_TIO = ('theano.tensor.io (MPI send/receive and load from disk) is not implemented here; use '
    'theano.distributed for MPI and load arrays with numpy')
_TYPELISTS = ("Theano's internal lists of TensorTypes by kind; use TensorType(dtype, broadcastable) or the "
    'constructors (tensor.matrix ...)')
_XLOGX = ('theano.tensor.xlogx is not implemented here; write T.switch(T.eq(x, 0), 0, x * T.log(x))')

GROUPS: list[tuple[str, str, str, str]] = [
    ('theano', 'names', _CLINK,
     'CLinker DualLinker Linker LocalLinker OpWiseCLinker OpenMPOp PerformLinker '
     'predefined_linkers rpath'),
    ('theano', 'names', _COMPILE_INTERNAL,
     'FunctionMaker ProfileStats'),
    ('theano', 'modules', _CONFIG,
     'configdefaults configparser'),
    ('theano', 'names', _LEAKED,
     'p'),
    ('theano', 'names', _LOG,
     'disable_log_handler has_handlers'),
    ('theano', 'names', _NOTIMPL_GRADFN,
     'subgraph_grad'),
    ('theano', 'modules', _NOTIMPL_MISC,
     'misc'),
    ('theano', 'names', _NOTIMPL_SCANCKPT,
     'scan_checkpoints'),
    ('theano', 'names', _NOTIMPL_SPARSEGRAD,
     'sparse_grad'),
    ('theano', 'names', _OFG,
     'OpFromGraph'),
    ('theano', 'names', _OPT,
     'predefined_optimizers'),
    ('theano', 'names', _TESTS,
     'test'),
    ('theano.compile', 'names', _CLINK,
     'predefined_linkers register_deep_copy_op_c_code register_linker '
     'register_rebroadcast_c_code register_shape_c_code register_shape_i_c_code '
     'register_specify_shape_c_code register_view_op_c_code'),
    ('theano.compile', 'names', _COMPILE_INTERNAL,
     'DUPLICATE FunctionMaker NODEFAULT ProfileStats ScanProfileStats alias_root '
     'convert_function_input fgraph_updated_vars get_info_on_inputs infer_reuse_pattern '
     'instantiated_default_mode orig_function pfunc rebuild_collect_shared register_mode '
     'view_tree_set'),
    ('theano.compile', 'modules', _COMPILE_INTERNAL,
     'function_module profiling'),
    ('theano.compile', 'names', _DEBUG,
     'AliasedMemoryError DebugMode MonitorMode PrintCurrentFunctionGraph check_equal '
     'register_checker'),
    ('theano.compile', 'modules', _DEBUG,
     'debugmode monitormode'),
    ('theano.compile', 'names', _OFG,
     'OpFromGraph inline_ofg_expansion'),
    ('theano.compile', 'modules', _OFG,
     'builders'),
    ('theano.compile', 'names', _OPT,
     'AddDestroyHandler AddFeatureOptimizer OPT_FAST_COMPILE OPT_FAST_RUN OPT_FAST_RUN_STABLE '
     'OPT_MERGE OPT_NONE OPT_O2 OPT_O3 OPT_STABILIZE OPT_UNSAFE Supervisor exclude '
     'insert_deepcopy local_useless ops_with_inner_function optdb predefined_optimizers '
     'register_optimizer std_fgraph'),
    ('theano.gof', 'names', _CLINK,
     'CLinker COp CachedConstantError DualLinker HideC Linker LocalLinker OpWiseCLinker OpenMPOp '
     'Params PerformLinker WrapLinker WrapLinkerMany'),
    ('theano.gof', 'modules', _CLINK,
     'callcache cc cmodule compilelock lazylinker_c link sched vm'),
    ('theano.gof', 'names', _COMPILE_INTERNAL,
     'Container'),
    ('theano.gof', 'modules', _NULLTYPE,
     'null_type'),
    ('theano.gof', 'names', _OPT,
     'Bookkeeper CheckStackTraceOptimization DB EquilibriumDB EquilibriumOptimizer Feature '
     'History LocalGroupDB LocalOptGroup LocalOptimizer MergeOptimizer NavigatorOptimizer '
     'NoOutputFromInplace NodeFinder OpKeyOptimizer OpRemove OpSub Optimizer PatternSub '
     'PrintListener ProxyDB Query ReplaceValidate ReplacementDidntRemovedError SeqOptimizer '
     'SequenceDB TopoOptimizer Validator inplace_optimizer local_optimizer '
     'ops_with_inner_function optimizer'),
    ('theano.gof', 'modules', _OPT,
     'destroyhandler opt optdb toolbox unify'),
    ('theano.gof', 'names', _PARAMS,
     'CEnumType EnumList EnumType ParamsType'),
    ('theano.gof', 'modules', _PARAMS,
     'params_type'),
    ('theano.gpuarray', 'names', _GPU,
     'ContextNotDefined GpuArrayConstant GpuArraySharedVariable GpuArrayType GpuArrayVariable '
     'as_gpuarray_variable get_context gpuarray_shared_constructor optdb reg_context '
     'register_transfer transfer'),
    ('theano.gpuarray', 'modules', _GPU,
     'basic_ops blas blocksparse ctc cudnn_defs elemwise extra_ops fft fp16_help linalg '
     'multinomial neighbours nnet opt opt_util pool reduction rng_mrg sort subtensor type'),
    ('theano.gpuarray.dnn', 'names', _GPU,
     'AbstractConv2d AbstractConv2d_gradInputs AbstractConv2d_gradWeights AbstractConv3d '
     'AbstractConv3d_gradInputs AbstractConv3d_gradWeights Apply Argmax Assert AveragePoolGrad '
     'CDataType COp CUDNNDataType DNN_CONV_ALGO_CHOOSE_ONCE DNN_CONV_ALGO_CHOOSE_TIME '
     'DisconnectedType DnnBase DnnVersion EnumList GCC_compiler Generic GpuAllocEmpty '
     'GpuArraySharedVariable GpuArrayType GpuCAReduceCuda GpuDnnBatchNorm GpuDnnBatchNormGrad '
     'GpuDnnBatchNormInference GpuDnnConv GpuDnnConvDesc GpuDnnConvGradI GpuDnnConvGradW '
     'GpuDnnDropoutOp GpuDnnPool GpuDnnPoolBase GpuDnnPoolDesc GpuDnnPoolGrad '
     'GpuDnnRNNGradInputs GpuDnnRNNGradWeights GpuDnnRNNOp GpuDnnReduction GpuDnnSoftmax '
     'GpuDnnSoftmaxBase GpuDnnSoftmaxGrad GpuDnnTransformerGradI GpuDnnTransformerGradT '
     'GpuDnnTransformerGrid GpuDnnTransformerSampler GpuElemwise GpuMaxAndArgmax GpuSoftmax '
     'HostFromGpu Log LogSoftmax MaxPoolGrad NoCuDNNRaise Op Optimizer ParamsType Pool RNNBlock '
     'SUPPORTED_DNN_CONV_ALGO_RUNTIME SoftmaxGrad Variable WIN32_CUDNN_NAMES alpha_merge '
     'as_gpuarray_variable as_i32 as_scalar as_tensor_variable assert_conv_shape bool_t constant '
     'cpu_contiguous cudnn dnn_batch_normalization_test dnn_batch_normalization_train dnn_conv '
     'dnn_conv3d dnn_gradinput dnn_gradinput3d dnn_gradweight dnn_gradweight3d dnn_pool '
     'dnn_spatialtf dropout dropoutdesc_type empty_like ensure_dt get_context '
     'get_conv_output_shape get_precision get_scalar_type gpu_context_type gpu_contiguous '
     'gpu_seqopt gpuarray_helper_inc_dir gpudata_type grad_not_implemented handle_type '
     'infer_context_name inherit_stack_trace inplace_allocempty int_t list_contexts '
     'local_abstract_batch_norm_inference_cudnn local_abstract_batch_norm_train_cudnn '
     'local_abstract_batch_norm_train_grad_cudnn local_abstractconv3d_cudnn_alt '
     'local_abstractconv3d_cudnn_graph local_abstractconv_cudnn local_abstractconv_cudnn_alt '
     'local_abstractconv_cudnn_graph local_abstractconv_gi_cudnn local_abstractconv_gw_cudnn '
     'local_batch_norm_inference_inplace local_batch_norm_inplace_output '
     'local_batch_norm_inplace_running_mean local_batch_norm_inplace_running_var '
     'local_cudnn_maxandargmax local_dnn_argmax local_dnn_conv_alpha_merge '
     'local_dnn_conv_inplace local_dnn_conv_output_merge local_dnn_convgi_inplace '
     'local_dnn_convgw_inplace local_dnn_convi_alpha_merge local_dnn_convi_output_merge '
     'local_dnn_convw_alpha_merge local_dnn_convw_output_merge local_dnn_reduction '
     'local_gpua_avg_pool_dnn_grad_stride local_gpua_logsoftmax_to_dnn '
     'local_gpua_pool_dnn_alternative local_gpua_pool_dnn_grad_stride '
     'local_gpua_softmax_dnn_grad local_log_softmax_dnn local_optimizer local_softmax_dnn '
     'op_lifter optdb output_merge pad_dims pool_db pool_db2 pygpu register_inplace register_opt '
     'register_opt2 rnndesc_type shape_i shape_i_op uint32_t unpad_dims'),
    ('theano.gradient', 'names', _DEBUG,
     'DebugMode get_debug_values mode_not_slow'),
    ('theano.gradient', 'names', _GRADOPS,
     'ConsiderConstant DisconnectedGrad GradClip GradScale UndefinedGrad ViewOp ZeroGrad '
     'consider_constant_ disconnected_grad_ disconnected_type null_type undefined_grad_ '
     'zero_grad_'),
    ('theano.gradient', 'names', _IMPL,
     'format_as grad_time'),
    ('theano.gradient', 'names', _NOTIMPL_GRADFN,
     'grad_scale subgraph_grad undefined_grad'),
    ('theano.gradient', 'names', _REEXPORT,
     'FAST_RUN get_mode tensor'),
    ('theano.ifelse', 'names', _IFELSE,
     'CondMerge TensorType acceptable_ops clone cond_make_inplace cond_merge_ifs_false '
     'cond_merge_ifs_true cond_merge_random_op cond_remove_identical '
     'ifelse_lift_single_if_through_acceptable_ops'),
    ('theano.ifelse', 'names', _OPT,
     'optdb'),
    ('theano.printing', 'names', _PRINTERS,
     'DefaultPrinter FunctionPrinter IgnorePrinter LeafPrinter OperatorPrinter PPrinter '
     'PatternPrinter PrinterState SharedVariable VALID_ASSOC config default_colorCodes '
     'default_printer greek hex_digest leaf_printer position_independent_str pydot_imported_msg '
     'special var_descriptor'),
    ('theano.sandbox.rng_mrg', 'names', _MRG,
     'A1p134 A1p72 A2p134 A2p72 DotModulo M1 M2 MASK12 MASK13 MASK2 MULT2 NORM '
     'as_tensor_variable cast ff_2p134 ff_2p72 function get_vector_length matVecModM '
     'mrg_next_value mrg_uniform mrg_uniform_base multMatVect np_int32_vals undefined_grad'),
    ('theano.sandbox.rng_mrg', 'names', _OPT,
     'local_optimizer mrg_random_make_inplace optdb'),
    ('theano.sandbox.rng_mrg', 'names', _PARAMS,
     'ParamsType bool_t int_t'),
    ('theano.scan_module', 'names', _SCAN,
     'scan_checkpoints'),
    ('theano.scan_module', 'modules', _SCAN,
     'scan_op scan_opt scan_views'),
    ('theano.scan_module.scan_utils', 'names', _OPT,
     'Validator'),
    ('theano.scan_module.scan_utils', 'names', _SCAN,
     'DEPRECATED_ARG compress_outs expand_empty forced_replace get_updates_and_outputs '
     'hash_listsDictsTuples infer_shape isNaN_or_Inf_or_None map_variables '
     'rebuild_collect_shared reconstruct_graph safe_new scan_args scan_can_remove_outs traverse'),
    ('theano.sparse', 'modules', _OPT,
     'opt'),
    ('theano.sparse', 'names', _SPARSE,
     'AddSSData Cast ColScaleCSC ConstructSparseFromList Diag EqualSD EqualSS GetItem2Lists '
     'GetItem2d GetItemList GetItemScalar GreaterEqualSD GreaterEqualSS GreaterThanSD '
     'GreaterThanSS LessEqualSD LessEqualSS LessThanSD LessThanSS MulSV Neg NotEqualSD '
     'NotEqualSS RowScaleCSC SamplingDot SquareDiagonal StructuredAddSV TrueDot add_s_d add_s_s '
     'add_s_s_data bsr_dmatrix bsr_fmatrix cast ccast col_scale conj constant '
     'construct_sparse_from_list dcast diag eq equal_s_d equal_s_s fcast ge get_item_2d '
     'get_item_2lists get_item_list get_item_scalar greater_equal_s_d greater_equal_s_s '
     'greater_than_s_d greater_than_s_s gt icast lcast le less_equal_s_d less_equal_s_s '
     'less_than_s_d less_than_s_s lt mul_s_d mul_s_s mul_s_v neq not_equal_s_d not_equal_s_s '
     'row_scale sampling_dot shared square_diagonal structured_add_s_v wcast zcast'),
    ('theano.sparse', 'names', _SPARSE_INTERNAL,
     'CSMGrad EnsureSortedIndices GetItem2ListsGrad GetItemListGrad Remove0 '
     'SparseConstantSignature StructuredDotGradCSC StructuredDotGradCSR Usmm bcast clean '
     'csm_grad ensure_sorted_indices get_item_2lists_grad get_item_list_grad hash_from_sparse '
     'remove0 scipy_ver sdg_csc sdg_csr sparse_formats structured_dot_grad usmm'),
    ('theano.sparse', 'modules', _SPARSE_INTERNAL,
     'utils'),
    ('theano.sparse.basic', 'names', _SPARSE,
     'AddSSData Cast ColScaleCSC ConstructSparseFromList Diag EqualSD EqualSS GetItem2Lists '
     'GetItem2d GetItemList GetItemScalar GreaterEqualSD GreaterEqualSS GreaterThanSD '
     'GreaterThanSS LessEqualSD LessEqualSS LessThanSD LessThanSS MulSV Neg NotEqualSD '
     'NotEqualSS RowScaleCSC SamplingDot SquareDiagonal StructuredAddSV TrueDot add_s_d add_s_s '
     'add_s_s_data bsr_dmatrix bsr_fmatrix cast ccast col_scale conj constant '
     'construct_sparse_from_list dcast diag eq equal_s_d equal_s_s fcast ge get_item_2d '
     'get_item_2lists get_item_list get_item_scalar greater_equal_s_d greater_equal_s_s '
     'greater_than_s_d greater_than_s_s gt icast lcast le less_equal_s_d less_equal_s_s '
     'less_than_s_d less_than_s_s lt mul_s_d mul_s_s mul_s_v neq not_equal_s_d not_equal_s_s '
     'row_scale sampling_dot square_diagonal structured_add_s_v wcast zcast'),
    ('theano.sparse.basic', 'names', _SPARSE_INTERNAL,
     'CSMGrad EnsureSortedIndices GetItem2ListsGrad GetItemListGrad Remove0 '
     'SparseConstantSignature StructuredDotGradCSC StructuredDotGradCSR Usmm bcast clean '
     'csm_grad ensure_sorted_indices get_item_2lists_grad get_item_list_grad hash_from_sparse '
     'remove0 sdg_csc sdg_csr sparse_formats structured_dot_grad usmm'),
    ('theano.tensor', 'names', _CLINK,
     'inc_code'),
    ('theano.tensor', 'modules', _CLINK,
     'blas blas_c blas_headers blas_scipy elemwise_cgen'),
    ('theano.tensor', 'names', _IMPL_T,
     'AdvancedBooleanIncSubtensor AdvancedBooleanIndexingError AdvancedBooleanSubtensor '
     'AdvancedIndexingError AllocEmpty Argmax BaseAdvancedIncSubtensor BaseAdvancedSubtensor '
     'Default DiffOp EmptyConstantError Flatten Mean ShapeError Tensor TensorConstantSignature '
     'Tri adv_index_broadcastable_pattern advanced_boolean_inc_subtensor '
     'advanced_boolean_set_subtensor advanced_boolean_subtensor advanced_inc_subtensor '
     'advanced_set_subtensor alloc_validate_shape ceil_intdiv check_advanced_indexing_dimensions '
     'check_and_normalize_axes check_and_reject_bool check_equal_numpy constant_cache '
     'constructor default div_proxy extract_constant float16_atol float16_rtol float32_atol '
     'float32_rtol float64_atol float64_rtol get_scalar_constant_value_elemwises is_flat isinf_ '
     'isnan_ key_to_cmp makeKeepDims make_constant mod_check numeric_grad numpy_scalar '
     'register_transfer setdefault sparse_module_ref transfer values_eq_approx_always_true'),
    ('theano.tensor', 'modules', _IMPL_T,
     'utils'),
    ('theano.tensor', 'names', _MPI,
     'MPIRecv MPIRecvWait MPISend MPISendWait irecv isend mpi_cmps mpi_keys mpi_send_wait_cmp '
     'mpi_send_wait_key mpi_tag_cmp mpi_tag_key recv send'),
    ('theano.tensor', 'names', _NOTIMPL_T,
     'Choose LoadFromDisk PermuteRowElements choose cov load permute_row_elements'),
    ('theano.tensor', 'modules', _OPT,
     'opt opt_uncanonicalize'),
    ('theano.tensor', 'names', _PARAMS,
     'ParamsType int32_t'),
    ('theano.tensor', 'modules', _RAWRANDOM,
     'raw_random'),
    ('theano.tensor', 'names', _SLICE,
     'MakeSlice NoneConst NoneTypeT SliceConstant SliceType SubtensorPrinter as_index_variable '
     'as_int_none_variable get_canonical_form_slice get_idx_list make_slice none_type_t '
     'slicetype'),
    ('theano.tensor', 'modules', _SLICE,
     'type_other'),
    ('theano.tensor', 'names', _SPECIAL,
     'chi2sf complex_from_polar erfcx gammainc gammaincc gammal gammau i0 i1 iv j0 j1 jv'),
    ('theano.tensor', 'modules', _TIO,
     'io'),
    ('theano.tensor', 'names', _TYPELISTS,
     'complex_matrix_types complex_scalar_types complex_types complex_vector_types '
     'float_matrix_types float_scalar_types float_types float_vector_types int_matrix_types '
     'int_scalar_types int_types int_vector_types'),
    ('theano.tensor', 'modules', _XLOGX,
     'xlogx'),
    ('theano.tensor.extra_ops', 'names', _CONTIG,
     'CpuContiguous cpu_contiguous'),
    ('theano.tensor.extra_ops', 'names', _IMPL_OPCLASS,
     'CumprodOp CumsumOp DiffOp bartlett_'),
    ('theano.tensor.extra_ops', 'names', _PARAMS,
     'EnumList ParamsType int_t'),
    ('theano.tensor.extra_ops', 'names', _REEXPORT,
     'disconnected_type'),
    ('theano.tensor.nlinalg', 'names', _IMPL_OPCLASS,
     'QRIncomplete TensorInv TensorSolve'),
    ('theano.tensor.nnet', 'names', _CONV_OLD,
     'ConvOp Prepend_scalar_constant_to_each_row Prepend_scalar_to_each_row abstract_conv2d '
     'prepend_0_to_each_row prepend_1_to_each_row prepend_scalar_to_each_row'),
    ('theano.tensor.nnet', 'modules', _CONV_OLD,
     'blocksparse corr corr3d'),
    ('theano.tensor.nnet', 'names', _NNET_NOTIMPL,
     'confusion_matrix h_softmax separable_conv2d'),
    ('theano.tensor.nnet', 'names', _OPT,
     'crossentropy_to_crossentropy_with_softmax '
     'crossentropy_to_crossentropy_with_softmax_with_bias '
     'graph_merge_softmax_with_crossentropy_softmax softmax_simplifier'),
    ('theano.tensor.nnet', 'modules', _OPT,
     'opt'),
    ('theano.tensor.shared_randomstreams', 'names', _REEXPORT,
     'SharedVariable randomstate_constructor shared_constructor'),
    ('theano.tensor.signal.pool', 'names', _CLINK,
     'OpenMPOp'),
    ('theano.tensor.signal.pool', 'names', _IMPL_OPCLASS,
     'MaxPoolRop'),
    ('theano.tensor.signal.pool', 'names', _PARAMS,
     'EnumList ParamsType PoolingMode_t bool_t'),
    ('theano.tensor.slinalg', 'names', _IMPL,
     'MATRIX_STRUCTURES'),
    ('theano.tensor.slinalg', 'names', _REEXPORT,
     'Op'),
    ('theano.tests.unittest_tools', 'names', _TESTMIX,
     'InferShapeTester T_OpContractMixin TestOptimizationMixin'),
    ('theano.sandbox', 'modules', 'the old CUDA backend was removed in Theano 1.0 (importing it raised there too); use THEANO_FLAGS=device=cuda',
     'cuda'),
]
