// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AddressManager} from "./AddressManager.sol";

/// @title AddressResolver
/// @notice What eldfell's contracts inherit to find each other by name (common/AddressResolver.sol): the same
/// `resolve` functions and errors, over an AddressManager fixed at deployment (eldfell's can be replaced by the
/// owner; nothing here needs that).
abstract contract AddressResolver {
    AddressManager private immutable _ADDRESS_MANAGER;

    /// @notice The caller is not one of the named addresses allowed to call.
    error RESOLVER_DENIED();
    /// @notice The AddressManager is the zero address.
    error RESOLVER_INVALID_ADDR();
    /// @notice `name` resolves to nothing on `chainId`.
    error RESOLVER_ZERO_ADDR(uint256 chainId, bytes32 name);

    constructor(address addressManager_) {
        if (addressManager_ == address(0)) revert RESOLVER_INVALID_ADDR();
        _ADDRESS_MANAGER = AddressManager(addressManager_);
    }

    /// @notice The address `name` points at on this chain; reverts RESOLVER_ZERO_ADDR on none unless
    /// `allowZeroAddress`.
    function resolve(bytes32 name, bool allowZeroAddress) public view returns (address payable) {
        return _resolve(block.chainid, name, allowZeroAddress);
    }

    /// @notice The address `name` points at on `chainId`.
    function resolve(uint256 chainId, bytes32 name, bool allowZeroAddress) public view returns (address payable) {
        return _resolve(chainId, name, allowZeroAddress);
    }

    function addressManager() public view returns (address) {
        return address(_ADDRESS_MANAGER);
    }

    /// @dev True when the caller is what `name` resolves to on this chain (a name pointing nowhere matches
    /// nobody).
    function _isNamed(bytes32 name) internal view returns (bool) {
        address named = _resolve(block.chainid, name, true);
        return named != address(0) && named == msg.sender;
    }

    function _resolve(uint256 chainId, bytes32 name, bool allowZeroAddress) private view returns (address payable) {
        address payable addr = payable(_ADDRESS_MANAGER.getAddress(chainId, name));
        if (!allowZeroAddress && addr == address(0)) revert RESOLVER_ZERO_ADDR(chainId, name);
        return addr;
    }
}
